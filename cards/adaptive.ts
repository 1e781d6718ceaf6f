/**
 * Typed builders for the part of Adaptive Cards 1.5 this bot uses (Teams renders 1.5).
 * Renderers compose these; nothing builds card JSON from string templates.
 * Text that carries values from outside (names, typed commands, ids) goes through
 * `plainText` (a RichTextBlock of TextRuns, which hosts never parse as markdown), so a
 * typed `[link](…)` or `**` stays literal.
 */
import { startsNewTask, type CardAction } from './actions.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_VERSION = '1.5';

export type Spacing = 'None' | 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge' | 'Padding';
export type TextSize = 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';
export type TextWeight = 'Lighter' | 'Default' | 'Bolder';
/**
 * Text colours the cards may use. Not 'Good': Teams renders it #92c353, about 2.1:1 on white —
 * below WCAG AA's 4.5:1 for text (issue 13). A good state is said in words, in bold.
 */
export type TextColor = 'Default' | 'Dark' | 'Light' | 'Accent' | 'Warning' | 'Attention';
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';

interface Layout {
  spacing?: Spacing;
  separator?: boolean;
}

interface TextStyle {
  size?: TextSize;
  weight?: TextWeight;
  color?: TextColor;
  isSubtle?: boolean;
}

export interface TextBlock extends Layout, TextStyle {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  style?: 'default' | 'heading';
}

export interface TextRun extends TextStyle {
  type: 'TextRun';
  text: string;
  italic?: boolean;
}

export interface RichTextBlock extends Layout {
  type: 'RichTextBlock';
  inlines: TextRun[];
}

export interface Fact {
  title: string;
  value: string;
}

export interface FactSet extends Layout {
  type: 'FactSet';
  facts: Fact[];
}

/**
 * A card button. A step of the card's own task is an `Action.Execute` (Universal Actions): Teams
 * sends it as an `adaptiveCard/action` invoke and the answer takes the card's place, so a task
 * keeps one card (issue 13). A button that starts another task (`command`: "View orders", help's
 * buttons) is an `Action.Submit`: its answer is a new card below, and the card clicked stays —
 * unless the command answers in place (`inPlace`: the language card's choices).
 */
export interface CardButton {
  type: 'Action.Execute' | 'Action.Submit';
  /** Action.Execute: the action's name (Teams reports it as the invoke's `verb`); the flows read `data`. */
  verb?: string;
  title: string;
  data: CardAction;
  style?: 'default' | 'positive' | 'destructive';
  /**
   * 'auto' (the default): the host validates the card's inputs (isRequired, min/max) and
   * merges their values into `data`. 'none' for buttons that must work whatever the
   * inputs hold (Cancel, picking from a list).
   */
  associatedInputs?: 'auto' | 'none';
}

/** A link button: the host opens `url` in the browser; nothing is sent to the bot. */
export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
  style?: 'default' | 'positive' | 'destructive';
}

/** An action element of a card. */
export type AdaptiveAction = CardButton | OpenUrlAction;

export interface ActionSet extends Layout {
  type: 'ActionSet';
  actions: AdaptiveAction[];
}

export interface Column {
  type: 'Column';
  items: CardElement[];
  width?: 'auto' | 'stretch' | number;
  verticalContentAlignment?: 'Top' | 'Center' | 'Bottom';
}

export interface ColumnSet extends Layout {
  type: 'ColumnSet';
  columns: Column[];
}

export interface Container extends Layout {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  bleed?: boolean;
}

/** Shared by the inputs: Teams shows `label` above the field and `errorMessage` when the host's validation fails. */
interface InputBase extends Layout {
  /** The key of the value in the submit data (merged into every Action.Submit with associatedInputs 'auto'). */
  id: string;
  label?: string;
  isRequired?: boolean;
  errorMessage?: string;
}

export interface InputText extends InputBase {
  type: 'Input.Text';
  placeholder?: string;
  value?: string;
  maxLength?: number;
  /** A text area (several lines) instead of a one-line box. */
  isMultiline?: boolean;
  /** The keyboard and autofill hint of the host (an email address, a phone number…); validates nothing. */
  style?: 'text' | 'tel' | 'url' | 'email';
}

export interface InputNumber extends InputBase {
  type: 'Input.Number';
  placeholder?: string;
  value?: number;
  min?: number;
  max?: number;
}

export interface Choice {
  title: string;
  value: string;
}

export interface InputChoiceSet extends InputBase {
  type: 'Input.ChoiceSet';
  choices: Choice[];
  style?: 'compact' | 'expanded';
  value?: string;
  placeholder?: string;
  wrap?: boolean;
}

/** A switch: Teams merges `valueOn` or `valueOff` (strings) into the submit data under `id`. */
export interface InputToggle extends InputBase {
  type: 'Input.Toggle';
  /** The text beside the switch. */
  title: string;
  value?: string;
  valueOn?: string;
  valueOff?: string;
  wrap?: boolean;
}

/**
 * A day picker: the host shows a calendar and sends the day as `YYYY-MM-DD` (or '' when it is
 * left empty). `min` / `max` (also `YYYY-MM-DD`) bound the days the host offers and accepts.
 */
export interface InputDate extends InputBase {
  type: 'Input.Date';
  value?: string;
  min?: string;
  max?: string;
  placeholder?: string;
}

export type CardInput = InputText | InputNumber | InputChoiceSet | InputToggle | InputDate;

export type CardElement = TextBlock | RichTextBlock | FactSet | ActionSet | ColumnSet | Container | CardInput;

export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  $schema: typeof ADAPTIVE_CARD_SCHEMA;
  version: typeof ADAPTIVE_CARD_VERSION;
  body: CardElement[];
  actions?: AdaptiveAction[];
  /** Shown by clients that cannot render the card, and in notifications. */
  fallbackText?: string;
}

export interface AdaptiveCardAttachment {
  contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
  content: AdaptiveCardJson;
}

type Options<T> = Omit<T, 'type' | 'text' | 'inlines' | 'facts' | 'actions' | 'items' | 'columns' | 'title' | 'data' | 'id' | 'choices'>;

/** Markdown-capable text: only for our own catalog strings. Wraps by default. */
export function textBlock(text: string, options: Options<TextBlock> = {}): TextBlock {
  return { type: 'TextBlock', text, wrap: true, ...options };
}

export function heading(text: string): RichTextBlock {
  return plainText(text, { size: 'Large', weight: 'Bolder' });
}

/** Literal text (no markdown), for anything that contains outside values. */
export function plainText(text: string, style: TextStyle & { italic?: boolean } = {}, layout: Layout = {}): RichTextBlock {
  return { type: 'RichTextBlock', inlines: [textRun(text, style)], ...layout };
}

export function textRun(text: string, style: TextStyle & { italic?: boolean } = {}): TextRun {
  return { type: 'TextRun', text, ...style };
}

export function richText(inlines: TextRun[], layout: Layout = {}): RichTextBlock {
  return { type: 'RichTextBlock', inlines, ...layout };
}

/**
 * "Label: value" as one line of literal text, the label bold: a fact whose value comes
 * from outside (company names, product titles). FactSet values are markdown in Teams.
 */
export function labelled(label: string, value: string, layout: Layout = { spacing: 'Small' }): RichTextBlock {
  return richText([textRun(`${label}: `, { weight: 'Bolder' }), textRun(value)], layout);
}

export function factSet(facts: Fact[], layout: Layout = {}): FactSet {
  return { type: 'FactSet', facts, ...layout };
}

export function cardButton(title: string, data: CardAction, options: Options<CardButton> = {}): CardButton {
  if (startsNewTask(data)) return { type: 'Action.Submit', title, data, ...options };
  return { type: 'Action.Execute', verb: data.action, title, data, ...options };
}

export function openUrlAction(title: string, url: string, options: Pick<OpenUrlAction, 'style'> = {}): OpenUrlAction {
  return { type: 'Action.OpenUrl', title, url, ...options };
}

export function actionSet(actions: AdaptiveAction[], layout: Layout = {}): ActionSet {
  return { type: 'ActionSet', actions, ...layout };
}

export function column(items: CardElement[], options: Options<Column> = {}): Column {
  return { type: 'Column', items, ...options };
}

export function columnSet(columns: Column[], layout: Layout = {}): ColumnSet {
  return { type: 'ColumnSet', columns, ...layout };
}

export function container(items: CardElement[], options: Options<Container> = {}): Container {
  return { type: 'Container', items, ...options };
}

export function inputText(id: string, options: Options<InputText> = {}): InputText {
  return { type: 'Input.Text', id, ...options };
}

export function inputNumber(id: string, options: Options<InputNumber> = {}): InputNumber {
  return { type: 'Input.Number', id, ...options };
}

export function inputChoiceSet(id: string, choices: Choice[], options: Options<InputChoiceSet> = {}): InputChoiceSet {
  return { type: 'Input.ChoiceSet', id, choices, ...options };
}

export function inputDate(id: string, options: Options<InputDate> = {}): InputDate {
  return { type: 'Input.Date', id, ...options };
}

export function inputToggle(id: string, title: string, options: Options<InputToggle> = {}): InputToggle {
  return { type: 'Input.Toggle', id, title, ...options };
}

export function adaptiveCard(body: CardElement[], options: { actions?: AdaptiveAction[]; fallbackText?: string } = {}): AdaptiveCardJson {
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(options.actions && options.actions.length > 0 ? { actions: options.actions } : {}),
    ...(options.fallbackText ? { fallbackText: options.fallbackText } : {}),
  };
}

export function attachment(card: AdaptiveCardJson): AdaptiveCardAttachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}
