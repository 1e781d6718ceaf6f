/**
 * Channel-neutral view models: what a reply shows, not how. Dialogs build a `Screen`;
 * `renderTeams` / `renderSlack` (cards/index.ts) turn it into an Adaptive Card or Block Kit.
 * A new screen (purchase review, order list, keys…) is a further member of the `Screen`
 * union with its own `<kind>.teams.ts`, `<kind>.slack.ts` and `<kind>.text.ts`; the
 * renderer table in cards/index.ts does not compile until all three exist.
 */
import type { Channel, Role } from '../services/access/roles.js';
import type { BillingCycle, OrderStatus, ProductKind, Term } from '../services/commerce/types.js';
import { act, type CardAction } from './actions.js';
import type { MessageKey, MessageParams } from './i18n/index.js';

/**
 * What a button sends back: a discriminating `action` plus opaque ids. Never a secret, a
 * download URL or a price the server would trust — the server re-reads everything.
 */
export interface SubmitData {
  action: string;
  [key: string]: string | number | boolean;
}

export interface HelpCommand {
  name: string;
  usage: string;
  descriptionKey: string;
  available: boolean;
}

export interface HelpScreen {
  kind: 'help';
  /** Exactly the commands to show, already filtered by the user's roles. */
  commands: HelpCommand[];
  channel: Channel;
}

export interface WelcomeScreen {
  kind: 'welcome';
  displayName: string | null;
}

export interface WhoamiScreen {
  kind: 'whoami';
  displayName: string | null;
  partnerName: string;
  roles: Role[];
  channel: Channel;
}

export type NoticeTone = 'info' | 'warning' | 'error';

export interface NoticeAction {
  labelKey: MessageKey;
  data: CardAction;
}

export interface NoticeScreen {
  kind: 'notice';
  tone: NoticeTone;
  messageKey: MessageKey;
  params?: MessageParams;
  /**
   * Roles to name in the message: rendered in the reader's locale into the `{roles}`
   * placeholder as alternatives ("Admin agent or Global admin").
   */
  roles?: Role[];
  /** Instants (ISO) to put into placeholders of the same name, formatted for the reader (in UTC, saying so). */
  instants?: Record<string, string>;
  /** The task (the command that started it: 'buy') to name in the `{task}` placeholder, in the reader's words ("purchase", "Kauf"). */
  task?: string;
  actions?: NoticeAction[];
}

/** A user as the roles flow shows them. */
export interface RoleUserSummary {
  id: number;
  displayName: string | null;
  roles: Role[];
  /** Where the user talks to the bot: two people of one name (or a demo user) are told apart by it. */
  channel?: Channel;
}

/** `roles`: the partner's users, a page at a time, each with a "Change roles" button. */
export interface RolesUsersScreen {
  kind: 'rolesUsers';
  users: RoleUserSummary[];
  offset: number;
  total: number;
  pageSize: number;
  search: string | null;
}

/** One user's roles, with a grant or revoke button per role. */
export interface RolesUserScreen {
  kind: 'rolesUser';
  user: RoleUserSummary;
  allRoles: readonly Role[];
}

/** The explicit confirmation before a role changes. */
export interface RolesConfirmScreen {
  kind: 'rolesConfirm';
  user: RoleUserSummary;
  role: Role;
  grant: boolean;
  /** The user is the one asking: revoking their own role takes effect at once and needs a warning. */
  self?: boolean;
}

// --- purchase (R1–R7) and order history ------------------------------------------------
//
// What the buttons of these screens send is the typed union of cards/actions.ts.

/** R4: whether the prices shown include tax (Australia, Brazil) or exclude it (everywhere else). */
export type TaxNote = 'incl' | 'excl';

/** The customer a purchase is for, as every purchase screen names it. */
export interface CustomerSummary {
  id: string;
  companyName: string;
  /** ISO 3166-1 alpha-2 of the billing address: the market (R1). */
  countryCode: string;
  /** ISO 4217 currency of the market's prices. */
  currency: string;
}

export interface CustomerOption {
  id: string;
  companyName: string;
  domain: string;
  tenantId: string;
  countryCode: string;
}

/** The flow a customer search belongs to: it decides the actions and the wording. */
export type CustomerSearchFlow = 'buy' | 'orders' | 'software' | 'cancel';

/** R1: find the customer by company name, tenant ID or domain. */
export interface BuyCustomerScreen {
  kind: 'buyCustomer';
  /** 'orders' / 'software': the same step for `orders` / `keys` (actions `orders.*` / `software.*`). Default 'buy'. */
  flow?: CustomerSearchFlow;
  /** What was searched for (null: nothing yet). Shown literally, clamped. */
  query: string | null;
  /** prompt: ask; many: pick from `customers`; none: nothing matched; invalidGuid: looks like a tenant ID but is not one. */
  result: 'prompt' | 'many' | 'none' | 'invalidGuid';
  /** For 'many'. At most CARD_LIMITS.customers are shown. */
  customers: CustomerOption[];
  /** More matched than are listed: ask for a more specific search. */
  more?: boolean;
  /** How the search was read (R1), for 'none': the card suggests the other ways to search. */
  /** How the text was read; 'idOrGuid': a GUID looked up as the customer's own id and as a tenant ID (the orders flow). */
  searchedBy?: 'name' | 'guid' | 'domain' | 'idOrGuid';
}

export interface ProductOption {
  productId: string;
  title: string;
  kind: ProductKind;
  publisher: string;
  /** The lowest unit price of the product's SKUs in this market (null: not priced). */
  fromPriceMinor: number | null;
  currency: string;
}

/** R2/R3: pick a product, browsing by kind or searching. */
export interface BuyProductsScreen {
  kind: 'buyProducts';
  customer: CustomerSummary;
  /** The kind filter in force (null: all kinds). */
  filterKind: ProductKind | null;
  /** The search in force (null: none). Shown literally, clamped. */
  search: string | null;
  /** Kinds to offer as filters (those this market can buy). */
  kinds: ProductKind[];
  /** At most CARD_LIMITS.products are shown. */
  products: ProductOption[];
  /** More matched than are listed: the card asks to refine the search. */
  more: boolean;
  taxNote: TaxNote;
  /** R3: set when this customer's market cannot buy Azure reservations. */
  /** R3; `matched`: Azure reservations match what was asked for (searched for by name, or the kind), yet none may be bought. */
  azureReservationsUnavailable: { listVersion: string | null; matched?: boolean } | null;
}

export interface SkuOption {
  skuId: string;
  title: string;
  term: Term;
  billing: BillingCycle;
  minQuantity: number;
  maxQuantity: number;
  unitPriceMinor: number;
  currency: string;
}

/** Cancellation terms before buying (R15, R16). */
export interface CancellationTermsView {
  cancellable: boolean;
  /** Days after the purchase date (R15); null when the catalog does not say. */
  windowDays: number | null;
}

/**
 * Why a quantity was refused (R2) — the same reasons as services/commerce/rules.ts
 * `QuantityRejection`, so a dialog passes the service's answer on unchanged.
 */
export type QuantityErrorReason = 'not_a_number' | 'not_an_integer' | 'not_positive' | 'below_minimum' | 'above_maximum';

export interface QuantityError {
  reason: QuantityErrorReason;
  min: number;
  max: number;
}

/** R2, R4, R5: a product's SKUs with prices, and the quantity. */
export interface BuySkuScreen {
  kind: 'buySku';
  customer: CustomerSummary;
  product: {
    productId: string;
    title: string;
    kind: ProductKind;
    description: string;
    /** R5: Windows Server Datacenter/Standard with Software Assurance. */
    azureHybridBenefit: boolean;
  };
  /** At most CARD_LIMITS.skus are shown. */
  skus: SkuOption[];
  taxNote: TaxNote;
  cancellation: CancellationTermsView;
  /** Preselected in Teams' SKU choice (e.g. after a refused quantity). */
  selectedSkuId: string | null;
  /** Prefilled quantity (e.g. the refused one, to correct it). */
  quantity: number | null;
  quantityError: QuantityError | null;
}

/** R6: what will be bought, before anything is created. The total comes from the server. */
export interface BuyReviewScreen {
  kind: 'buyReview';
  customer: CustomerSummary;
  productTitle: string;
  skuTitle: string;
  term: Term;
  billing: BillingCycle;
  quantity: number;
  unitPriceMinor: number;
  totalMinor: number;
  currency: string;
  taxNote: TaxNote;
  cancellation: CancellationTermsView;
  /** The price or availability changed since the last review: say so at the top. */
  priceChanged: boolean;
  /** Opaque: which review this card is (the Confirm button sends it back). */
  reviewId: string;
}

/**
 * Where an order stands with respect to cancelling it (R15, R16). The same shape as the
 * purchase service's `CancellationState`, so its value can be passed on as it is.
 */
export type CancellationWindowView =
  | { state: 'open'; daysLeft: number; closesAt?: string }
  | { state: 'passed'; closedAt?: string }
  | { state: 'notCancellable'; reason?: 'software_plan' | 'not_cancellable' }
  | { state: 'cancelling' }
  | { state: 'cancelled' };

/** The answer to Confirm (R6, R7). */
export interface BuyConfirmedScreen {
  kind: 'buyConfirmed';
  orderId: string;
  customer: CustomerSummary;
  productTitle: string;
  skuTitle: string;
  quantity: number;
  totalMinor: number;
  currency: string;
  taxNote: TaxNote;
  /** The purchase date, YYYY-MM-DD. */
  purchaseDate: string;
  cancellation: CancellationWindowView;
  /** Confirm was pressed again (or the request retried): this is the order placed before, not a new one. */
  existing: boolean;
}

export interface OrderRow {
  orderId: string;
  productTitle: string;
  quantity: number;
  status: OrderStatus;
  /** YYYY-MM-DD */
  purchaseDate: string;
  window: CancellationWindowView;
  /** When a cancellation began or finished (ISO): "in progress since …", "cancelled on …". */
  statusAt?: string;
  /** What a finished cancellation credited (R19). */
  credit?: { amountMinor: number; currency: string };
}

/** `orders`: a customer's orders, newest first, a page at a time. */
export interface OrdersScreen {
  kind: 'orders';
  customer: CustomerSummary;
  /** At most CARD_LIMITS.orders are shown. */
  orders: OrderRow[];
  /** 1-based. */
  page: number;
  totalPages: number;
}

// --- keys and downloads (R8–R12, R19) -----------------------------------------------------

/** One purchased product (an order line) in the customer's software list. */
export interface SoftwareRow {
  orderId: string;
  lineNumber: number;
  title: string;
  quantity: number;
  status: OrderStatus;
  /** YYYY-MM-DD */
  purchaseDate: string;
  /** R19: false once cancelled (or being cancelled): shown as "key not available", no button. */
  keyAvailable: boolean;
}

/** `keys [customer]` / `software [customer]`: the customer's purchased software (R9, R19). */
export interface SoftwareListScreen {
  kind: 'softwareList';
  customer: CustomerSummary;
  /** Newest first. At most CARD_LIMITS.software are shown. */
  items: SoftwareRow[];
}

/** Version × Language × File type/OS (R9). */
export interface SoftwareVariantView {
  version: string;
  language: string;
  fileType: string;
}

/** Pick Version, Language and File type/OS (R9) for one purchased product. */
export interface SoftwareChoicesScreen {
  kind: 'softwareChoices';
  customer: CustomerSummary;
  item: SoftwareRow;
  versions: string[];
  languages: string[];
  fileTypes: string[];
  /** Every combination that exists: { id, version, language, fileType }. Slack shows at most CARD_LIMITS.softwareVariants. */
  variants: Array<{ id: number } & SoftwareVariantView>;
  /** Pre-selected values (e.g. after an invalid combination); default: the first of each list. */
  selected?: SoftwareVariantView;
  /** The chosen combination does not exist for this product: say so above the pickers. */
  missing?: SoftwareVariantView;
}

/**
 * SECRET: the activation key and the download link (R9–R11). Only ever shown to the
 * requesting Admin agent. Neither appears in the fallback text (notifications, Teams'
 * summary) nor in any submit data; the URL only in the Download button itself.
 */
export interface SoftwareKeysScreen {
  kind: 'softwareKeys';
  customer: CustomerSummary;
  item: SoftwareRow;
  variant: SoftwareVariantView;
  activationKey: string;
  /** Demo/embedded catalog: say clearly "simulated key — not a Microsoft product key". */
  simulated: boolean;
  downloadUrl: string;
  /** ISO 8601 instant */
  expiresAt: string;
  maxDownloads: number;
}

// --- cancelling (R14–R20) -------------------------------------------------------------

/** What cancelling an open purchase would credit today (R17): 100 % for perpetual software, prorated for subscriptions. */
export interface CreditView {
  amountMinor: number;
  currency: string;
  policy: 'full' | 'prorated' | 'mixed';
}

/** One purchase in the cancel flow. */
export interface CancellableOrderRow {
  orderId: string;
  /** Product and SKU title at purchase time. */
  title: string;
  quantity: number;
  /** YYYY-MM-DD (UTC) */
  purchaseDate: string;
  /** Days left / window passed on … / cannot be cancelled / in progress / cancelled. */
  window: CancellationWindowView;
  /** ISO instant the status last changed: "cancelled on …", "in progress since …". */
  statusAt: string;
  /** For an open purchase: what cancelling it now credits. */
  credit?: CreditView;
}

/** Step 2 (R14–R16): the customer's software purchases, per product, each with where it stands. */
export interface CancelPurchasesScreen {
  kind: 'cancelPurchases';
  customer: CustomerSummary;
  /** Products in the order of their newest purchase; at most CARD_LIMITS.cancelProducts. */
  products: Array<{ productId: string; title: string; orders: CancellableOrderRow[] }>;
}

/**
 * Steps 3–4 (R14, R15, R17): the order to cancel (a choice when the product has several open
 * orders, else the one), each with its days left and credit; the Important notice; the
 * acknowledgement (Teams: a toggle; Slack: a checkbox) and Submit. A form: Slack opens it as
 * a modal, Teams shows it as a card. Submit sends `cancel.submit` with `noticeId`, and the
 * inputs `orderId` and `acknowledged` merged in.
 */
export interface CancelNoticeFormScreen {
  kind: 'cancelNoticeForm';
  customer: CustomerSummary;
  productId: string;
  title: string;
  /** The open orders to choose from (at least one; at most CARD_LIMITS.cancelOrders). */
  options: CancellableOrderRow[];
  /** Pre-selected order (default: the first option). */
  selectedOrderId?: string;
  /** Opaque: the submit's key (exactly once). */
  noticeId: string;
  /** Shown again after Submit without the acknowledgement: say that it is required. */
  acknowledgementMissing?: boolean;
}

/** Step 5 (R17, R18): submitted; it can take up to 15 minutes; I will tell you. Offers another order of the same customer. */
export interface CancelSubmittedScreen {
  kind: 'cancelSubmitted';
  customer: CustomerSummary;
  orderId: string;
  title: string;
  creditMinor: number;
  currency: string;
  /** This submit had been made already (a double click, a resend): the same cancellation. */
  existing: boolean;
}

/** R18, R19 (a notification): the cancellation has finished. */
export interface CancellationFinishedScreen {
  kind: 'cancellationFinished';
  orderId: string;
  title: string;
  /** For "View orders" of this customer. */
  customerId: string;
  customerName: string;
  creditMinor: number;
  currency: string;
  keysRevoked: number;
  linksRevoked: number;
}

/** R18 (a notification): the cancellation has not finished `minutes` after the backend took it; it is still followed. */
export interface CancellationDelayedScreen {
  kind: 'cancellationDelayed';
  cancellationId: string;
  orderId: string;
  title: string;
  /** For "View orders" of this customer. */
  customerId: string;
  customerName: string;
  minutes: number;
}

/** R20 (a notification): the cancellation did not finish — why, and how to go on (a support request). */
export interface CancellationFailedScreen {
  kind: 'cancellationFailed';
  cancellationId: string;
  orderId: string;
  title: string;
  /** For "View orders" of this customer. */
  customerId: string;
  customerName: string;
  reason: 'window_passed' | 'not_cancellable' | 'not_found' | 'failed' | 'needs_information' | 'timed_out';
  /** The backend's own code (e.g. Partner Center's 900117), for the support request. */
  code: string | null;
  /** timed_out: how long it was followed. */
  followedMinutes?: number;
}

// --- support requests (R20, R21) ---------------------------------------------------------

/** Partner Center's severities ("Impact"), as services/support/desk.ts names them. */
export type SupportImpactView = 'critical' | 'moderate' | 'minimal';

/** What the bot knows of the order a support request is about: shown on the form and the review, never typed. */
export interface SupportFactsView {
  customerName: string;
  /** The customer's tenant GUID (R21). */
  customerTenantId: string;
  /** The customer's primary domain (R21), or null. */
  customerDomain: string | null;
  orderId: string;
  /** Product and SKU title at purchase time. */
  productTitle: string;
  /** YYYY-MM-DD */
  purchaseDate: string;
  /** ISO 4217: the order's currency; the amount is in it. */
  currency: string;
  /** The most that may be asked for (R21: never more than the order's total). */
  orderTotalMinor: number;
  /** The cancellation that could not be completed, when there is one (R20). */
  cancellation: { reason: CancellationFailedScreen['reason']; code: string | null } | null;
}

/** Why a field of the support form was refused; shown beside the field. */
export type SupportFieldError =
  | 'required'
  /** Longer than `limit` characters (the desk's limit). */
  | 'tooLong'
  /** amount: not a number as the user's locale writes one ("1.234,56" in German). */
  | 'notANumber'
  | 'negative'
  /** amount: nothing to refund (0). */
  | 'zero'
  /** amount: more than the order's total. */
  | 'aboveTotal'
  /** amount: more decimals than the currency has. */
  | 'tooPrecise'
  /** contactEmail / contactPhone: not a valid address / number. */
  | 'invalid';

export type SupportFieldName = 'impact' | 'title' | 'description' | 'refundReason' | 'amount' | 'contactName' | 'contactEmail' | 'contactPhone';

/** What the form's inputs hold, as typed (the amount as text, in the user's locale). */
export type SupportFormValues = Record<SupportFieldName, string>;

export interface SupportLimitsView {
  titleMax: number;
  descriptionMax: number;
  refundReasonMax: number;
  maxFiles: number;
  maxFileBytes: number;
  /** File name extensions accepted ("pdf", "png", …). */
  fileTypes: readonly string[];
}

/** A file the user attached (its content stays on the server). */
export interface SupportFileView {
  name: string;
  sizeBytes: number;
}

/** A file refused, with why (shown on the form; nothing was stored). */
export interface SupportFileRefusalView {
  name: string;
  reason: 'tooLarge' | 'type' | 'tooMany' | 'unreadable';
}

/**
 * `support` without an order id: the user's cancellations that could not be completed (R20),
 * each a button that opens the form for its order, and how to name another order.
 */
export interface SupportStartScreen {
  kind: 'supportStart';
  candidates: Array<{ orderId: string; title: string; customerName: string; reason: CancellationFailedScreen['reason']; at: string }>;
  /** The user has filed requests before: offer "My requests". */
  hasRequests: boolean;
}

/**
 * The support request form (R21): Type of problem (fixed), Impact, Title, Description, refund
 * reason, amount, contact name / email / phone, and files (Slack: a file input in the modal;
 * Teams: files sent in the personal chat while the form is open). Everything the bot knows is
 * pre-filled. Review sends `support.review` with `draftId`, the inputs merged in.
 */
export interface SupportFormScreen {
  kind: 'supportForm';
  draftId: string;
  facts: SupportFactsView;
  values: SupportFormValues;
  errors: Partial<Record<SupportFieldName, SupportFieldError>>;
  limits: SupportLimitsView;
  /** Files attached so far. */
  files: SupportFileView[];
  /** Files refused by the last upload. */
  refusedFiles: SupportFileRefusalView[];
  /** Teams: files are attached by sending them in this chat (only a personal chat takes files). */
  filesBy: 'modal' | 'chat' | 'none';
}

/** The review before Submit: exactly what will be filed; Submit sends `support.submit` with `reviewId`. */
export interface SupportReviewScreen {
  kind: 'supportReview';
  reviewId: string;
  facts: SupportFactsView;
  impact: SupportImpactView;
  title: string;
  description: string;
  refundReason: string;
  amountMinor: number;
  contact: { name: string; email: string; phone: string };
  files: SupportFileView[];
  /** Files sent with the Review that were not attached, and why (the request goes on without them; Edit to try others). */
  refusedFiles: SupportFileRefusalView[];
  /** The desk it goes to ('embedded', 'zendesk'). */
  desk: string;
}

/** The answer to Submit: filed in the background, the ticket number follows (R21). */
export interface SupportSubmittedScreen {
  kind: 'supportSubmitted';
  /** Our request's number ("42"): what the user quotes until the ticket number arrives. */
  requestId: string;
  orderId: string;
  /** Submit had been pressed before (a double click, a resend): the same request. */
  existing: boolean;
}

export type SupportRequestStatusView = 'queued' | 'filed' | 'failed';

/** `support list`: the user's requests, newest first, with where each stands. */
export interface SupportListScreen {
  kind: 'supportList';
  requests: Array<{
    requestId: string;
    orderId: string;
    title: string;
    customerName: string;
    status: SupportRequestStatusView;
    ticketNumber: string | null;
    ticketUrl: string | null;
    /** ISO instants. */
    requestedAt: string;
    statusAt: string;
  }>;
}

/** R21 (a notification): the ticket exists; its number. */
export interface SupportFiledScreen {
  kind: 'supportFiled';
  requestId: string;
  orderId: string;
  title: string;
  ticketNumber: string;
  ticketUrl: string | null;
}

/** R21 (a notification): the request could not be filed after the retries; it is kept and can be filed again. */
export interface SupportFailedScreen {
  kind: 'supportFailed';
  requestId: string;
  orderId: string;
  title: string;
  /** unauthorized: the desk refused the bot's credentials (an admin must fix them); rejected: the desk refused the content; unavailable: the desk did not answer in time. */
  reason: 'unauthorized' | 'rejected' | 'unavailable';
}

// --- the activity log (R12, R13) -------------------------------------------------------------

/** What the kind filter selects (services/activity/activity-query.ts). */
export type ActivityKindView = 'keys' | 'downloads' | 'refusals';

/** One event of the log as the list shows it. */
export interface ActivityRowView {
  /** ISO instant; shown in the screen's `zone`. */
  at: string;
  /** Key and download events, and who opened or exported the log itself (or was refused it). */
  event: 'key_view' | 'link_issued' | 'download' | 'link_expired' | 'revoked' | 'log_viewed' | 'log_exported';
  /** 'ok', or why it was refused ('expired', 'used_up', 'revoked', 'unknown', 'forbidden', 'not_available', 'undelivered'…). */
  outcome: string;
  /** The chat user, when there was one (key views, links issued, refusals in chat). */
  userName: string | null;
  /** Downloads: the client's address and user agent as recorded. */
  ip: string | null;
  userAgent: string | null;
  /** The customer's company name, else its id; null when the event names none. */
  customerName: string | null;
  productTitle: string | null;
  orderId: string | null;
}

/** The range shown, and what the retention cut off. */
export interface ActivityRangeView {
  /** First and last calendar day shown, YYYY-MM-DD in `zone`. */
  from: string;
  to: string;
  /** IANA zone the days and times are in. */
  zone: string;
  /** The range reached back past the retention: the log keeps `retentionMonths`; the earliest day it can show. */
  clipped: { retentionMonths: number; earliest: string } | null;
}

/** The filters in force, named for the reader. */
export interface ActivityFilterView {
  customerName: string | null;
  userName: string | null;
  kind: ActivityKindView | null;
}

/** `activity [from] [to]` (R13): the summary line and a page of events, newest first. */
export interface ActivityLogScreen {
  kind: 'activityLog';
  range: ActivityRangeView;
  filter: ActivityFilterView;
  summary: { keyViews: number; linksIssued: number; downloads: number; refusals: number; exports: number; users: number; clients: number };
  entries: ActivityRowView[];
  /** 1 for the first page. */
  page: number;
  /** The next page's cursor (opaque; checked by the service), or null on the last page. */
  nextCursor: string | null;
}

/**
 * The range and filters to show (Teams: a card with Input.Date and choice sets; Slack: a modal
 * with datepickers and selects). Apply sends `activity.apply` with `from`, `to` (YYYY-MM-DD),
 * `kind`, `customerId` and `userId` merged in ('' or absent: no filter).
 */
export interface ActivityFilterFormScreen {
  kind: 'activityFilterForm';
  /** Prefill, YYYY-MM-DD. */
  from: string;
  to: string;
  /** The latest day a picker offers (today in the user's zone), the earliest (the retention's limit). */
  maxDate: string;
  minDate: string;
  zone: string;
  /** Customers and users that appear in the log of the range shown (the most recent first, at most CARD_LIMITS.activityChoices). */
  customers: Array<{ id: string; name: string }>;
  users: Array<{ id: number; name: string }>;
  selected: { customerId: string | null; userId: number | null; kind: ActivityKindView | null };
  /** Why the last Apply was not taken (the dates as typed stay in the pickers). */
  problem: 'notADate' | 'wrongWayRound' | 'future' | 'tooLong' | null;
}

/** Teams: the export as a short-lived link (personal chat only: it opens the partner's log). */
export interface ActivityExportLinkScreen {
  kind: 'activityExportLink';
  url: string;
  /** ISO instant after which the link no longer works. */
  expiresAt: string;
  range: ActivityRangeView;
  filter: ActivityFilterView;
}

// --- forms ---------------------------------------------------------------------------
//
// What a flow asks the user to fill in. A form is a screen like any other for the flow; the
// channel decides how it looks: Slack opens it as a modal (with the trigger of the click that
// asked for it), Teams shows it as a card with the inputs.

/** R1: search for a customer (what `<flow>.search` without a query asks for). */
export interface CustomerSearchFormScreen {
  kind: 'customerSearchForm';
  flow: CustomerSearchFlow;
  query: string | null;
}

/** Search the products this customer's market may buy. */
export interface ProductSearchFormScreen {
  kind: 'productSearchForm';
  customer: CustomerSummary;
}

/** R2: the quantity of one SKU, within its bounds. */
export interface QuantityFormScreen {
  kind: 'quantityForm';
  customer: CustomerSummary;
  productId: string;
  productTitle: string;
  sku: SkuOption;
  taxNote: TaxNote;
  /** Prefill (e.g. the refused quantity). */
  quantity: number | null;
  quantityError: QuantityError | null;
}

export type FormScreen = CustomerSearchFormScreen | ProductSearchFormScreen | QuantityFormScreen | CancelNoticeFormScreen | SupportFormScreen | ActivityFilterFormScreen;
export type FormKind = FormScreen['kind'];

/** The most rows a screen shows: keeps Slack under 50 blocks and Teams under 28 KB. */
export const CARD_LIMITS = {
  customers: 20, products: 15, skus: 20, orders: 25, software: 25, softwareVariants: 20, softwareChoices: 50, cancelProducts: 10, cancelOrders: 20, supportStart: 10, supportRequests: 20, activityEntries: 10, activityChoices: 50,
} as const;

/** Everything a reply can show, forms included. */
export type Screen = MessageScreen | FormScreen;

/** A screen shown as a message (a card, Block Kit, text). */
export type MessageScreen =
  | HelpScreen
  | WelcomeScreen
  | WhoamiScreen
  | NoticeScreen
  | RolesUsersScreen
  | RolesUserScreen
  | RolesConfirmScreen
  | BuyCustomerScreen
  | BuyProductsScreen
  | BuySkuScreen
  | BuyReviewScreen
  | BuyConfirmedScreen
  | OrdersScreen
  | SoftwareListScreen
  | SoftwareChoicesScreen
  | SoftwareKeysScreen
  | CancelPurchasesScreen
  | CancelSubmittedScreen
  | CancellationFinishedScreen
  | CancellationDelayedScreen
  | CancellationFailedScreen
  | SupportStartScreen
  | SupportReviewScreen
  | SupportSubmittedScreen
  | SupportListScreen
  | SupportFiledScreen
  | SupportFailedScreen
  | ActivityLogScreen
  | ActivityExportLinkScreen;
export type ScreenKind = MessageScreen['kind'];

/** Every form kind, once: a form added to the union fails to compile until it is listed. */
const FORM_KINDS: { readonly [K in FormKind]: true } = { customerSearchForm: true, productSearchForm: true, quantityForm: true, cancelNoticeForm: true, supportForm: true, activityFilterForm: true };

export function isForm(screen: Screen): screen is FormScreen {
  return Object.hasOwn(FORM_KINDS, screen.kind);
}

/**
 * Screens that carry a secret (R9–R11: an activation key, a download link, an export link): never
 * stored, not even as the answer a resent request gets again.
 */
export function holdsSecret(screen: Screen): boolean {
  return screen.kind === 'softwareKeys' || screen.kind === 'activityExportLink';
}

export function notice(tone: NoticeTone, messageKey: MessageKey, params?: MessageParams, actions?: NoticeAction[]): NoticeScreen {
  return { kind: 'notice', tone, messageKey, ...(params ? { params } : {}), ...(actions ? { actions } : {}) };
}

/** The standard notices, so every dialog words them the same way. */
export const notices = {
  unknownCommand: (command: string): NoticeScreen => notice('warning', 'notice.unknownCommand', { command }),
  partnerNotOnboarded: (orgId: string): NoticeScreen => notice('warning', 'notice.partnerNotOnboarded', { orgId }),
  forbidden: (roles: readonly Role[]): NoticeScreen => ({ kind: 'notice', tone: 'warning', messageKey: 'notice.forbidden', roles: [...roles] }),
  /** A submit whose data does not fit the step it reached (tampered, or of an older card of the running flow). */
  invalidSubmit: (): NoticeScreen => notice('warning', 'notice.invalidSubmit'),
  /** A button of a card whose flow has ended or was replaced: nothing runs that could take it. */
  staleCard: (): NoticeScreen => notice('warning', 'notice.staleCard'),
  messageTooLong: (limit: number): NoticeScreen => notice('warning', 'notice.messageTooLong', { limit }),
  comingSoon: (command: string): NoticeScreen => notice('info', 'notice.comingSoon', { command }),
  /** `offerSupport`: add the "Request support" button (leave it off while `support` is unavailable). */
  error: (correlationId: string, offerSupport = true): NoticeScreen =>
    notice('error', 'notice.error', { correlationId }, offerSupport ? [{ labelKey: 'action.support', data: act.command('support') }] : undefined),
  /** Partner Center did not answer (down, slow, throttling): the user may repeat what they did. */
  backendUnavailable: (correlationId: string): NoticeScreen => notice('error', 'notice.backendUnavailable', { correlationId }),
  /** The Partner Center consent expired or was revoked: only the operator can renew it. */
  backendConsent: (correlationId: string): NoticeScreen => notice('error', 'notice.backendConsent', { correlationId }),
  /** `command`: the task stopped ("Stopped your buy task."), when known. */
  cancelled: (command?: string): NoticeScreen => (command ? { ...notice('info', 'notice.cancelledTask'), task: command } : notice('info', 'notice.cancelled')),
};

/** The purchase service's refusals (services/purchase/errors.ts), worded for the user. */
export const purchaseNotices = {
  productNotFound: (): NoticeScreen => notice('warning', 'buy.refused.productNotFound'),
  skuNotFound: (): NoticeScreen => notice('warning', 'buy.refused.skuNotFound'),
  /** `market`: the market's name as the service gives it. */
  notSoldInMarket: (product: string, market: string): NoticeScreen => notice('warning', 'buy.refused.notSoldInMarket', { product, market }),
  /** R3, also for a product named directly or a stale card. */
  azureReservationUnavailable: (market: string, listVersion: string | null): NoticeScreen =>
    listVersion
      ? notice('warning', 'buy.refused.reservationUnavailableVersion', { market, version: listVersion })
      : notice('warning', 'buy.refused.reservationUnavailable', { market }),
  amountTooLarge: (): NoticeScreen => notice('warning', 'buy.refused.amountTooLarge'),
  notPurchasable: (product: string): NoticeScreen => notice('warning', 'buy.refused.notPurchasable', { product }),
  prerequisite: (product: string, prerequisite: string): NoticeScreen => notice('warning', 'buy.refused.prerequisite', { product, prerequisite }),
  backendRefused: (code: string, description: string): NoticeScreen => notice('warning', 'buy.refused.backendRefused', { code, description }),
  /** A confirm (or other) card of a purchase that has ended, or of another user. */
  staleCard: (): NoticeScreen => notice('warning', 'buy.refused.staleCard'),
};
