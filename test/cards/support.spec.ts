import { strict as assert } from 'node:assert';
import {
  fallbackText, isForm, notificationScreen, notices, parseSubmitData, renderSlack, renderSlackModal, renderTeams, supportFormModal, t, CARD_LIMITS,
  type Locale, type Screen, type SupportFieldError, type SupportFieldName, type SupportFormScreen,
} from '../../cards/index.js';
import { LOCALES } from '../../cards/i18n/index.js';
import type { NotificationMessage } from '../../services/notifications/messages.js';
import {
  cancellationFailedScreen, SUPPORT_FAILURES, supportFacts, supportFailedScreen, supportFiledScreen, supportForm, supportLimits, supportListScreen,
  supportReviewScreen, supportRow, supportScreens, supportStartScreen, supportSubmittedScreen, supportValues, umlauts,
} from './fixtures.js';
import { assertGermanDiffers, lines, objects, slackButtons, teamsSubmits, texts } from './inspect.js';
import { assertValidAdaptiveCard, assertValidBlockKit, assertValidSlackModal, MAX_MESSAGE_BYTES } from './validate.js';

const teams = (screen: Screen, locale: Locale = 'en') => renderTeams(screen, locale).content;
const slack = (screen: Screen, locale: Locale = 'en') => renderSlack(screen, locale);
const modal = (form: SupportFormScreen, locale: Locale = 'en') => renderSlackModal(form, locale);
const teamsText = (screen: Screen, locale: Locale = 'en') => lines(teams(screen, locale).body).join('\n');
const slackText = (screen: Screen, locale: Locale = 'en') => texts((isForm(screen) ? modal(screen as SupportFormScreen, locale) : slack(screen, locale)).blocks).join('\n');
/** What a reader sees: the Teams card, the Slack message (or modal, for a form) and the fallback text. */
const seen = (screen: Screen, locale: Locale = 'en'): string => [teamsText(screen, locale), slackText(screen, locale), fallbackText(screen, locale)].join('\n');
/** Counts the lines of `text` that match. */
const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

type SubmitLike = { type: string; title: string; data?: Record<string, unknown>; url?: string; associatedInputs?: string; style?: string };
/** A card's actions (Action.Submit and Action.OpenUrl), in document order. */
const cardActions = (screen: Screen, locale: Locale = 'en') => objects(teams(screen, locale)).filter((o) => o.type === 'Action.Submit' || o.type === 'Action.Execute' || o.type === 'Action.OpenUrl') as SubmitLike[];
const submits = (screen: Screen, locale: Locale = 'en') => teamsSubmits(teams(screen, locale)) as Array<Record<string, unknown>>;
/** The submit data of a Slack message's buttons (link buttons carry none). */
const slackValues = (screen: Screen, locale: Locale = 'en') =>
  slackButtons(slack(screen, locale)).filter((b) => b.value !== undefined).map((b) => JSON.parse(b.value) as Record<string, unknown>);
const inputs = (screen: Screen, locale: Locale = 'en') => objects(teams(screen, locale).body).filter((o) => typeof o.type === 'string' && o.type.startsWith('Input.'));

interface ModalInput { type: 'input'; block_id: string; optional?: boolean; label: { text: string }; hint?: { text: string }; element: Record<string, unknown> & { type: string; action_id: string } }
const modalInputs = (form: SupportFormScreen, locale: Locale = 'en') => modal(form, locale).blocks.filter((b) => b.type === 'input') as unknown as ModalInput[];

/** What the view_submission listener makes of a submitted modal: private_metadata, then each input's value by action_id. */
function submitted(form: SupportFormScreen, values: Record<string, string>): unknown {
  return parseSubmitData({ ...(JSON.parse(modal(form).private_metadata) as object), ...values });
}

const FIELDS: SupportFieldName[] = ['impact', 'title', 'description', 'refundReason', 'amount', 'contactName', 'contactEmail', 'contactPhone'];

describe('cards: support requests (R20, R21)', () => {
  describe('every screen renders valid cards and modals, within the limits', () => {
    for (const { name, screen } of supportScreens()) {
      for (const locale of LOCALES) {
        it(`${name} [${locale}]`, () => {
          const card = renderTeams(screen, locale);
          assertValidAdaptiveCard(card);
          assert.ok(bytes(card) <= MAX_MESSAGE_BYTES);
          const message = renderSlack(screen, locale);
          assertValidBlockKit(message);
          assert.ok(message.blocks.length <= 50);
          const text = fallbackText(screen, locale);
          assert.ok(text.length > 0 && Buffer.byteLength(text) <= MAX_MESSAGE_BYTES);
          if (isForm(screen)) {
            const view = renderSlackModal(screen, locale);
            assertValidSlackModal(view);
            assert.ok(view.title.text.length <= 24);
          }
          for (const data of [...teamsSubmits(card), ...slackButtons(message).flatMap((b) => (b.value === undefined ? [] : [b.value]))]) assert.ok(parseSubmitData(data), JSON.stringify(data));
        });
      }
    }

    it('German differs from English on every channel', () => {
      assertGermanDiffers(supportScreens());
    });

    it('no button carries money or a ticket link; the form only the draft id (the inputs are the user\'s)', () => {
      for (const { name, screen } of supportScreens()) {
        for (const locale of LOCALES) {
          const data = [...submits(screen, locale), ...slackValues(screen, locale)];
          if (isForm(screen)) data.push(JSON.parse(renderSlackModal(screen, locale).private_metadata) as Record<string, unknown>);
          for (const d of data) {
            for (const k of Object.keys(d)) assert.ok(!/price|total|amount|minor|currency|url|ticket/i.test(k), `${name}: ${k} in ${JSON.stringify(d)}`);
            assert.doesNotMatch(JSON.stringify(d), /https?:/, name);
          }
        }
      }
    });
  });

  describe('supportStart: the orders whose cancellation was not completed (R20)', () => {
    it('lists each candidate with why its cancellation did not complete and when, each with "File request"', () => {
      const screen = supportStartScreen();
      const all = seen(screen);
      assert.equal(count(all, /^File a support request$/), 3);
      assert.equal(count(all, /Order ORD-2025-200000 · Windows Server 2022 Datacenter – 16 core licence pack · Contoso Ltd · Cancellation window had passed · May 20, 2025/), 3);
      assert.equal(count(all, /Order ORD-2025-200007 · SQL Server 2022 Standard · Fabrikam GmbH · Partner Center needs more information · May 18, 2025/), 3);
      assert.match(seen(screen, 'de'), /Bestellung ORD-2025-200000 · .* · Contoso Ltd · Stornierungsfrist war abgelaufen · 20\.05\.2025/);
      const picks = [{ action: 'support.order', orderId: 'ORD-2025-200000' }, { action: 'support.order', orderId: 'ORD-2025-200007' }];
      assert.deepEqual(submits(screen).filter((d) => d.action === 'support.order'), picks);
      assert.deepEqual(slackValues(screen).filter((d) => d.action === 'support.order'), picks);
      assert.deepEqual(cardActions(screen).filter((a) => a.data?.action === 'support.order').map((a) => [a.title, a.associatedInputs]), [['File request', 'none'], ['File request', 'none']]);
      assert.deepEqual(slackButtons(slack(screen, 'de')).map((b) => b.text.text), ['Anfrage stellen', 'Anfrage stellen', 'Meine Anfragen', 'Schließen']);
    });

    it('says how to name another order, as the channel types it', () => {
      const screen = supportStartScreen();
      assert.match(teamsText(screen), /To file a request about another order, type support <order id>\./);
      assert.doesNotMatch(teamsText(screen), /\/csp/);
      assert.match(slackText(screen), /To file a request about another order, type `\/csp support &lt;order id&gt;`\./);
      assert.match(fallbackText(screen, 'en'), /type support <order id> \(in Slack: \/csp support <order id>\)\.$/);
      assert.match(fallbackText(screen, 'de'), /geben Sie support <Bestell-ID> ein \(in Slack: \/csp support <Bestell-ID>\)\.$/);
      // Literal in Teams: a TextBlock would take "<order id>" for markup.
      const holder = objects(teams(screen).body).find((o) => typeof o.text === 'string' && o.text.includes('<order id>'));
      assert.equal(holder?.type, 'TextRun');
    });

    it('"My requests" only for a user with requests; Close stops the flow', () => {
      const expected = [{ action: 'command', command: 'support', args: 'list' }, { action: 'flow.stop' }];
      assert.deepEqual(submits(supportStartScreen()).slice(-2), expected);
      assert.deepEqual(slackValues(supportStartScreen()).slice(-2), expected);
      assert.deepEqual(cardActions(supportStartScreen()).slice(-2).map((a) => a.title), ['My requests', 'Close']);
      const none = supportStartScreen({ candidates: [], hasRequests: false });
      assert.deepEqual(submits(none), [{ action: 'flow.stop' }]);
      assert.deepEqual(slackValues(none), [{ action: 'flow.stop' }]);
      assert.equal(count(seen(none), /^You have no cancellation that could not be completed, so there is no order to suggest\.$/), 3);
      assert.match(seen(none, 'de'), /Sie haben keine Stornierung, die nicht abgeschlossen werden konnte/);
      assert.match(seen(none), /type support <order id>/);
    });

    it(`lists at most ${CARD_LIMITS.supportStart} and says so`, () => {
      const candidates = Array.from({ length: 14 }, (_, i) => ({ orderId: `ORD-${i}`, title: 'SQL Server', customerName: 'Contoso Ltd', reason: 'failed' as const, at: '2025-05-20' }));
      const screen = supportStartScreen({ candidates });
      assert.equal(submits(screen).filter((d) => d.action === 'support.order').length, CARD_LIMITS.supportStart);
      assert.equal(slackValues(screen).filter((d) => d.action === 'support.order').length, CARD_LIMITS.supportStart);
      assert.equal(count(seen(screen), /Only the newest 10 are listed\./), 3);
      assert.doesNotMatch(seen(supportStartScreen()), /Only the newest/);
    });
  });

  describe('supportForm (R21)', () => {
    it('Teams: the inputs are exactly the fields, in order, each pre-filled; the amount is text (typed as the locale writes it)', () => {
      const form = supportForm();
      assert.deepEqual(inputs(form).map((i) => i.id), FIELDS);
      const byId = Object.fromEntries(inputs(form).map((i) => [String(i.id), i]));
      assert.equal(byId.impact!.type, 'Input.ChoiceSet');
      for (const f of FIELDS.slice(1)) assert.equal(byId[f]!.type, 'Input.Text', f);
      const values = supportValues();
      for (const f of FIELDS) assert.equal(byId[f]!.value, values[f], f);
      assert.deepEqual((byId.impact!.choices as Array<{ title: string; value: string }>).map((c) => c.value), ['critical', 'moderate', 'minimal']);
      assert.deepEqual((byId.impact!.choices as Array<{ title: string }>).map((c) => c.title), [
        'Critical – major loss of service, needs attention at once', 'Moderate – service impaired, but work can go on', 'Minimal – business works with minor impediments',
      ]);
      assert.equal((inputs(form, 'de')[0]!.choices as Array<{ title: string }>)[0]!.title, 'Kritisch – erheblicher Ausfall, erfordert sofortige Bearbeitung');
      // Multiline where a text is long; the desk's limits (a Slack input takes at most 3000: one limit on both channels).
      assert.deepEqual(FIELDS.filter((f) => byId[f]!.isMultiline === true), ['description', 'refundReason']);
      assert.deepEqual([byId.title!.maxLength, byId.description!.maxLength, byId.refundReason!.maxLength], [150, 3000, 1000]);
      // Required as the desk needs them; only the phone may stay empty.
      assert.deepEqual(FIELDS.filter((f) => byId[f]!.isRequired !== true), ['contactPhone']);
      assert.equal(byId.contactPhone!.label, 'Contact phone (optional)');
      assert.deepEqual([byId.contactEmail!.style, byId.contactPhone!.style], ['email', 'tel']);
      assert.equal(byId.amount!.label, 'Amount requested (EUR, at most €3,420.00)');
      assert.equal(inputs(form, 'de').find((i) => i.id === 'amount')!.label, 'Beantragter Betrag (EUR, höchstens 3.420,00\u00a0€)');
    });

    it('shows the facts of the order and the fixed Type of problem, never as inputs', () => {
      const all = seen(supportForm());
      const facts: Array<[string, string]> = [
        ['Customer', 'Contoso Ltd'], ['Tenant ID', '72f988bf-86f1-41af-91ab-2d7cd011db47'], ['Domain', 'contoso.onmicrosoft.com'], ['Order ID', 'ORD-2025-200000'],
        ['Product', 'Windows Server 2022 Datacenter – 16 core licence pack'], ['Purchase date', 'Mar 5, 2025'], ['Order total', '€3,420.00'],
        ['Cancellation not completed', 'Cancellation window had passed'], ['Error code', '900117'], ['Type of problem', 'CSP Purchase/Refund on behalf of customers'],
      ];
      const modalText = texts(modal(supportForm()).blocks);
      for (const [label, value] of facts) {
        assert.equal(all.split('\n').filter((l) => l === `${label}: ${value}`).length, 2, `${label} on Teams and in the text`);
        // The modal: label and value side by side (a section's fields).
        assert.ok(modalText.includes(`*${label}*`) && modalText.includes(value), `${label} in the modal`);
      }
      assert.match(seen(supportForm(), 'de'), /Art des Problems: CSP-Kauf\/-Rückerstattung im Namen von Kunden/);
      assert.match(seen(supportForm(), 'de'), /Bestellsumme: 3\.420,00\u00a0€/);
      const bare = supportForm({ facts: supportFacts({ customerDomain: null, cancellation: null }) });
      assert.doesNotMatch(seen(bare), /Domain:|Cancellation not completed|Error code/);
    });

    it('Teams: Review (positive) merges the inputs into support.review with the draft id; Cancel works whatever they hold', () => {
      const [review, cancel] = cardActions(supportForm());
      assert.deepEqual([review?.type, review?.title, review?.style, review?.data], ['Action.Execute', 'Review', 'positive', { action: 'support.review', draftId: 'draft-5c1e' }]);
      assert.notEqual(review?.associatedInputs, 'none', 'Review must take the inputs along');
      assert.deepEqual([cancel?.title, cancel?.data, cancel?.associatedInputs], ['Cancel', { action: 'flow.stop' }, 'none']);
      assert.deepEqual(cardActions(supportForm(), 'de').map((a) => a.title), ['Überprüfen', 'Abbrechen']);
      // What Teams posts back: the button's data with the inputs merged in.
      assert.deepEqual(parseSubmitData({ ...review!.data, impact: 'critical', amount: '1.234,56' }), { action: 'support.review', draftId: 'draft-5c1e', impact: 'critical', amount: '1.234,56' });
    });

    it('Slack: a modal whose inputs are the fields (action_id = block_id = field), whose private_metadata is support.review with the draft id', () => {
      for (const locale of LOCALES) {
        const form = supportForm({ filesBy: 'modal' });
        const view = supportFormModal(form, locale);
        assertValidSlackModal(view);
        assert.equal(view.callback_id, 'csp:support.review');
        assert.deepEqual(parseSubmitData(view.private_metadata), { action: 'support.review', draftId: 'draft-5c1e' });
        assert.deepEqual([view.title.text, view.submit?.text, view.close?.text], locale === 'en' ? ['Support request', 'Review', 'Cancel'] : ['Supportanfrage', 'Überprüfen', 'Abbrechen']);
        const blocks = modalInputs(form, locale);
        assert.deepEqual(blocks.map((b) => [b.block_id, b.element.action_id]), [...FIELDS, 'files'].map((f) => [f, f]));
        assert.deepEqual(blocks.filter((b) => b.optional).map((b) => b.block_id), ['contactPhone', 'files']);
        // Slack adds "(optional)" itself.
        assert.equal(blocks.find((b) => b.block_id === 'contactPhone')!.label.text, locale === 'en' ? 'Contact phone' : 'Telefonnummer der Kontaktperson');
      }
      const blocks = Object.fromEntries(modalInputs(supportForm({ filesBy: 'modal' })).map((b) => [b.block_id, b.element]));
      assert.equal(blocks.impact!.type, 'static_select');
      assert.deepEqual((blocks.impact!.initial_option as { value: string }).value, 'moderate');
      // The impacts' full wording fits Slack's 75 characters in both languages (nothing cut).
      for (const locale of LOCALES) {
        const select = modalInputs(supportForm(), locale)[0]!.element as unknown as { options: Array<{ text: { text: string } }> };
        assert.deepEqual(select.options.map((o) => o.text.text), (inputs(supportForm(), locale)[0]!.choices as Array<{ title: string }>).map((c) => c.title));
      }
      for (const f of FIELDS.slice(1)) assert.equal(blocks[f]!.type, 'plain_text_input', f);
      assert.deepEqual(FIELDS.filter((f) => blocks[f]!.multiline === true), ['description', 'refundReason']);
      assert.deepEqual([blocks.title!.max_length, blocks.description!.max_length, blocks.refundReason!.max_length], [150, 3000, 1000]);
      const values = supportValues();
      for (const f of FIELDS.slice(1)) assert.equal(blocks[f]!.initial_value, values[f], f);
      assert.deepEqual(blocks.files, { type: 'file_input', action_id: 'files', filetypes: ['pdf', 'png', 'jpg', 'txt'], max_files: 5 });
      assert.deepEqual(submitted(supportForm(), { impact: 'critical', title: 'T', amount: '12.50', files: 'F1,F2' }), {
        action: 'support.review', draftId: 'draft-5c1e', impact: 'critical', title: 'T', amount: '12.50', files: 'F1,F2',
      });
      // Slack takes at most 10 files in one input.
      assert.equal(modalInputs(supportForm({ filesBy: 'modal', limits: { ...supportLimits, maxFiles: 25 } })).find((b) => b.block_id === 'files')!.element.max_files, 10);
    });

    it('an impact not offered is not pre-selected', () => {
      const form = supportForm({ values: supportValues({ impact: 'severe' }) });
      assert.equal(inputs(form)[0]!.value, undefined);
      assert.equal(modalInputs(form)[0]!.element.initial_option, undefined);
    });

    describe('each field\'s error is shown beside it, in attention colour', () => {
      const cases: Array<[SupportFieldName, SupportFieldError, string, string]> = [
        ['impact', 'required', 'Please choose one.', 'Bitte wählen Sie einen Wert.'],
        ['impact', 'invalid', 'Please choose one.', 'Bitte wählen Sie einen Wert.'],
        ['title', 'required', 'Please fill this in.', 'Bitte füllen Sie dieses Feld aus.'],
        ['title', 'tooLong', 'Too long: at most 150 characters.', 'Zu lang: höchstens 150 Zeichen.'],
        ['description', 'tooLong', 'Too long: at most 5,000 characters.', 'Zu lang: höchstens 5.000 Zeichen.'],
        ['refundReason', 'required', 'Please fill this in.', 'Bitte füllen Sie dieses Feld aus.'],
        ['refundReason', 'tooLong', 'Too long: at most 1,000 characters.', 'Zu lang: höchstens 1.000 Zeichen.'],
        ['amount', 'notANumber', 'Not an amount: write it like 1,234.56.', 'Kein gültiger Betrag: Schreiben Sie ihn etwa so: 1.234,56.'],
        ['amount', 'negative', 'The amount cannot be negative.', 'Der Betrag darf nicht negativ sein.'],
        ['amount', 'zero', 'Enter the amount to refund: it must be more than zero.', 'Geben Sie den zu erstattenden Betrag ein: Er muss größer als null sein.'],
        ['amount', 'aboveTotal', 'More than the order total: at most €3,420.00.', 'Mehr als die Bestellsumme: höchstens 3.420,00\u00a0€.'],
        ['amount', 'tooPrecise', 'Too many decimal places: EUR amounts have at most 2.', 'Zu viele Nachkommastellen: Beträge in EUR haben höchstens 2.'],
        ['contactName', 'required', 'Please fill this in.', 'Bitte füllen Sie dieses Feld aus.'],
        ['contactName', 'tooLong', 'Too long: please shorten it.', 'Zu lang: Bitte kürzen Sie den Text.'],
        ['contactEmail', 'invalid', 'Not a valid email address: write it like name@example.com.', 'Keine gültige E-Mail-Adresse: Schreiben Sie sie etwa so: name@example.com.'],
        ['contactPhone', 'invalid', 'Not a valid phone number: write it in international form, like +49 30 1234567.', 'Keine gültige Telefonnummer: Schreiben Sie sie im internationalen Format, etwa +49 30 1234567.'],
      ];
      for (const [field, error, en, de] of cases) {
        it(`${field}: ${error}`, () => {
          const form = supportForm({ errors: { [field]: error } });
          for (const [locale, expected] of [['en', en], ['de', de]] as const) {
            // Teams: right below its input, in attention colour.
            const body = teams(form, locale).body;
            const at = body.findIndex((e) => 'id' in e && e.id === field);
            const next = body[at + 1];
            assert.deepEqual(lines(next), [`⚠ ${expected}`], `Teams ${locale}`);
            assert.equal((next as { inlines: Array<{ color?: string }> }).inlines[0]!.color, 'Attention');
            assert.equal(lines(body).filter((l) => l.startsWith('⚠')).length, 1, 'once, at its field');
            // Slack: the hint of its own input, right below the field.
            assert.match(modalInputs(form, locale).find((b) => b.block_id === field)!.hint!.text, new RegExp(`^:warning: ${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
            for (const other of modalInputs(form, locale).filter((b) => b.block_id !== field)) assert.doesNotMatch(other.hint?.text ?? '', /:warning:/);
            // The text: the line right after the field's.
            const text = fallbackText(form, locale).split('\n');
            const line = text.indexOf(`  ⚠ ${expected}`);
            assert.ok(line > 0, `text ${locale}`);
            const label = String(inputs(form, locale).find((i) => i.id === field)!.label);
            assert.ok(text[line - 1]!.startsWith(`${label}: `), `${text[line - 1]} is not the line of ${label}`);
          }
          // Above the fields: that some need correcting.
          assert.match(seen(form), /Some fields need correcting: see the note at each of them\./);
        });
      }

      it('no error, no warning', () => {
        assert.doesNotMatch(seen(supportForm()), /⚠|:warning:|need correcting/);
      });

      it('a currency without minor units: whole numbers, its own example', () => {
        const form = supportForm({ facts: supportFacts({ currency: 'JPY', orderTotalMinor: 342000 }), errors: { amount: 'tooPrecise' } });
        assert.match(seen(form), /No decimal places: JPY amounts are whole numbers\./);
        assert.equal(inputs(form).find((i) => i.id === 'amount')!.label, 'Amount requested (JPY, at most ¥342,000)');
        assert.match(seen(supportForm({ facts: supportFacts({ currency: 'JPY' }), errors: { amount: 'notANumber' } }), 'de'), /Schreiben Sie ihn etwa so: 1\.234\./);
      });
    });

    it('the German form shows a German amount example (1.234,56), the English an English one', () => {
      const de = supportForm();
      assert.equal(inputs(de, 'de').find((i) => i.id === 'amount')!.placeholder, '1.234,56');
      assert.equal(inputs(de, 'en').find((i) => i.id === 'amount')!.placeholder, '1,234.56');
      assert.match(teamsText(de, 'de'), /Schreiben Sie ihn etwa so: 1\.234,56\./);
      assert.match(modalInputs(de, 'de').find((b) => b.block_id === 'amount')!.hint!.text, /1\.234,56/);
      assert.match(modalInputs(de, 'en').find((b) => b.block_id === 'amount')!.hint!.text, /Write it like 1,234\.56\./);
    });

    it('files: attached with their size, refused with why; how to attach them per channel', () => {
      const form = supportForm({
        files: [{ name: 'invoice.pdf', sizeBytes: 1_258_291 }, { name: 'screen.png', sizeBytes: 348_160 }],
        refusedFiles: [{ name: 'setup.exe', reason: 'type' }, { name: 'dump.zip', reason: 'tooLarge' }, { name: 'sixth.pdf', reason: 'tooMany' }, { name: 'broken.pdf', reason: 'unreadable' }],
      });
      const all = seen(form);
      for (const part of [
        /invoice\.pdf \(1\.2 MB\)/, /screen\.png \(340 kB\)/, /setup\.exe: this type of file is not accepted \(accepted: pdf, png, jpg, txt\)/, /dump\.zip: larger than 10 MB/,
        /sixth\.pdf: too many files \(at most 5\)/, /broken\.pdf: the file could not be read; send it again/,
      ]) {
        assert.ok(count(all, part) >= 3, `${part} on Teams, Slack and in the text`);
      }
      assert.match(seen(form, 'de'), /invoice\.pdf \(1,2 MB\)[^]*dump\.zip: größer als 10 MB/);
      // Teams, personal chat: send them here.
      const chat = 'To attach files (pdf, png, jpg, txt; up to 10 MB each; at most 5 files), send them in this chat, then select Review.';
      assert.ok(teamsText(form).includes(chat));
      assert.match(teamsText(form, 'de'), /Um Dateien anzuhängen \(pdf, png, jpg, txt; je höchstens 10 MB; höchstens 5 Dateien\), senden Sie sie in diesem Chat/);
      // A group chat takes no files.
      const group = supportForm({ filesBy: 'none' });
      assert.match(teamsText(group), /Files can be attached in a personal chat with the bot\./);
      assert.ok(!teamsText(group).includes(chat));
      // Slack: the modal's file input, and no word of sending them in a chat.
      const slackForm = supportForm({ filesBy: 'modal' });
      assert.doesNotMatch(seen(slackForm), /send them in this chat|personal chat/);
      assert.equal(modalInputs(slackForm).find((b) => b.block_id === 'files')!.hint!.text, 'pdf, png, jpg, txt; up to 10 MB each; at most 5 files.');
      assert.ok(!modalInputs(supportForm()).some((b) => b.block_id === 'files'), 'only a modal that takes files has the input');
      assert.match(seen(supportForm()), /Files: None/);
      // A desk that takes no files: no word of attaching any, on any channel.
      for (const filesBy of ['chat', 'none', 'modal'] as const) {
        const noFiles = supportForm({ filesBy, limits: { ...supportLimits, maxFiles: 0 } });
        assert.doesNotMatch(seen(noFiles), /attach|personal chat/i, filesBy);
        assert.ok(!modalInputs(noFiles).some((b) => b.block_id === 'files'), filesBy);
      }
    });

    it('long values: the inputs take what the desk (and Slack) take; what was typed beyond is cut', () => {
      const form = supportForm({ values: supportValues({ title: 'T'.repeat(400), description: 'D'.repeat(6000), contactName: 'N'.repeat(500) }) });
      const byId = Object.fromEntries(inputs(form).map((i) => [String(i.id), i]));
      assert.deepEqual([String(byId.title!.value).length, String(byId.description!.value).length, String(byId.contactName!.value).length], [150, 3000, 200]);
      const slackById = Object.fromEntries(modalInputs(form).map((b) => [b.block_id, b.element]));
      assert.deepEqual([String(slackById.title!.initial_value).length, String(slackById.description!.initial_value).length], [150, 3000]);
      // The text (a preview) repeats little of a long value.
      assert.ok(fallbackText(form, 'en').length < 2000);
      assert.match(fallbackText(form, 'en'), /Description: D{199}…/);
    });
  });

  describe('supportReview', () => {
    it('shows exactly what will be filed, and where it goes', () => {
      const screen = supportReviewScreen();
      const all = seen(screen);
      for (const part of [
        /^Review your support request$/, /Customer: Contoso Ltd/, /Tenant ID: 72f988bf-86f1-41af-91ab-2d7cd011db47/, /Order ID: ORD-2025-200000/,
        /Type of problem: CSP Purchase\/Refund on behalf of customers/, /Impact: Moderate – service impaired, but work can go on/, /Title: Refund for order ORD-2025-200000/,
        /Amount requested: €3,420\.00/, /Contact name: Ada Lovelace/, /Contact email: ada@contoso\.example/, /Contact phone: \+49 30 1234567/,
        /Files: invoice-2025-03\.pdf \(1\.2 MB\), screenshot\.png \(340 kB\)/, /Goes to: the bot's support desk/, /Nothing is filed until you select Submit request\./,
      ]) {
        assert.equal(count(lines(teams(screen).body).join('\n') + '\n' + fallbackText(screen, 'en'), part), 2, `${part} on Teams and in the text`);
      }
      assert.match(all, /The customer asked to cancel on day 70; Partner Center refused \(900117\)\./);
      assert.match(all, /Bought by mistake: the customer already had the licences\./);
      for (const part of ['Moderate – service impaired, but work can go on', '€3,420.00', 'ada@contoso.example', "the bot's support desk", 'invoice-2025-03.pdf (1.2 MB)']) {
        assert.ok(slackText(screen).includes(part), `${part} on Slack`);
      }
      const de = seen(screen, 'de');
      for (const part of [/Supportanfrage überprüfen/, /Beantragter Betrag: 3\.420,00\u00a0€/, /Geht an: den Support-Desk des Bots/, /Auswirkung: Mittel/, /Eingereicht wird erst, wenn Sie „Anfrage absenden“ wählen\./]) assert.match(de, part);
      const zendesk = supportReviewScreen({ desk: 'zendesk', contact: { name: 'Ada', email: 'a@b.example', phone: '' }, files: [] });
      assert.match(seen(zendesk), /Goes to: Zendesk/);
      assert.match(seen(zendesk, 'de'), /Geht an: Zendesk/);
      assert.match(fallbackText(zendesk, 'en'), /Contact phone: —/);
      assert.match(fallbackText(zendesk, 'en'), /Files: None/);
    });

    it('files sent with the Review but not attached: right below the Files line, each with why, as a warning; nothing when none was refused', () => {
      const screen = supportReviewScreen({
        refusedFiles: [{ name: 'setup.exe', reason: 'type' }, { name: 'dump.zip', reason: 'tooLarge' }, { name: 'sixth.pdf', reason: 'tooMany' }, { name: 'broken.pdf', reason: 'unreadable' }],
      });
      // The review carries no limits: why, without them (the form, after Edit, says what is taken).
      const refused = ['setup.exe: this type of file is not accepted', 'dump.zip: too large', 'sixth.pdf: too many files', 'broken.pdf: the file could not be read; send it again'];
      // Teams: "Not attached:" and each file in attention colour, between the Files line and "Goes to".
      const card = teams(screen).body;
      const body = lines(card);
      const at = body.findIndex((l) => l.startsWith('Files: invoice-2025-03.pdf'));
      assert.ok(at > 0);
      assert.deepEqual(body.slice(at + 1, at + 6), ['Not attached:', ...refused]);
      assert.match(body[at + 6]!, /^Goes to: /);
      const runs = objects(card).filter((o) => o.type === 'TextRun' && ['Not attached:', ...refused].includes(String(o.text)));
      assert.deepEqual(runs.map((o) => o.color), Array(5).fill('Attention'));
      // Slack: a :warning: section, one file a line, right after the Files field.
      const blocks = slack(screen).blocks as Array<{ type: string; text?: { type: string; text: string }; fields?: Array<{ text: string }> }>;
      const files = blocks.findIndex((b) => b.fields?.some((f) => f.text === '*Files*'));
      assert.ok(files > 0);
      assert.deepEqual(blocks[files + 1]!.text, { type: 'plain_text', text: `:warning: Not attached:\n${refused.join('\n')}`, emoji: true });
      // The text: the line after the Files line.
      const text = fallbackText(screen, 'en').split('\n');
      const filesLine = text.findIndex((l) => l.startsWith('Files: '));
      assert.deepEqual(text.slice(filesLine + 1, filesLine + 3), [`Not attached: ${refused.join('; ')}`, "Goes to: the bot's support desk"]);
      assert.match(seen(screen, 'de'), /Nicht angehängt:[^]*setup\.exe: Dieser Dateityp wird nicht angenommen[^]*dump\.zip: zu groß[^]*sixth\.pdf: zu viele Dateien/);
      // Many: the first ten, the rest counted.
      const many = supportReviewScreen({ refusedFiles: Array.from({ length: 13 }, (_, i) => ({ name: `f${i}.exe`, reason: 'type' as const })) });
      assert.equal(count(seen(many), /and 3 more/), 3);
      // None refused: no word of it.
      assert.doesNotMatch(seen(supportReviewScreen()), /Not attached|:warning:/);
      assert.equal(objects(teams(supportReviewScreen()).body).filter((o) => o.color === 'Attention').length, 0);
    });

    it('Submit (positive) sends only the review id; Edit goes back to the form; Cancel stops', () => {
      const screen = supportReviewScreen();
      const expected = [{ action: 'support.submit', reviewId: 'review-8a2f' }, { action: 'support.edit', reviewId: 'review-8a2f' }, { action: 'flow.stop' }];
      assert.deepEqual(submits(screen), expected);
      assert.deepEqual(slackValues(screen), expected);
      assert.deepEqual(cardActions(screen).map((a) => [a.title, a.style]), [['Submit request', 'positive'], ['Edit', undefined], ['Cancel', undefined]]);
      assert.deepEqual(slackButtons(slack(screen, 'de')).map((b) => [b.text.text, b.style]), [['Anfrage absenden', 'primary'], ['Bearbeiten', undefined], ['Abbrechen', undefined]]);
    });

    it('long values are clamped: enough to check them, within the limits', () => {
      const screen = supportReviewScreen({ title: 'T'.repeat(1000), description: 'D'.repeat(10_000), refundReason: 'R'.repeat(5000), contact: { name: 'N'.repeat(500), email: 'e'.repeat(500), phone: 'p'.repeat(500) } });
      const card = lines(teams(screen).body);
      assert.ok(card.includes(`${'D'.repeat(1999)}…`), 'description at 2000 on Teams');
      assert.ok(card.includes(`${'R'.repeat(999)}…`), 'refund reason at 1000 on Teams');
      assert.ok(card.includes(`Title: ${'T'.repeat(299)}…`));
      const slackAll = texts(slack(screen).blocks);
      assert.ok(slackAll.includes(`${'D'.repeat(1999)}…`), 'description at 2000 on Slack');
      assert.ok(slackAll.includes(`${'N'.repeat(199)}…`));
      assert.match(fallbackText(screen, 'en'), new RegExp(`Description: D{599}…`));
      assert.doesNotMatch(seen(screen), /D{2001}|T{301}/);
    });
  });

  describe('supportSubmitted', () => {
    it('says it is being filed and that the ticket number follows here; "My requests"', () => {
      const screen = supportSubmittedScreen();
      assert.equal(count(seen(screen), /^Support request 42 for order ORD-2025-200000 is being filed\. You will get the ticket number here\.$/), 3);
      assert.match(seen(screen, 'de'), /Die Supportanfrage 42 zur Bestellung ORD-2025-200000 wird eingereicht\. Die Ticketnummer erhalten Sie hier\./);
      assert.deepEqual(submits(screen), [{ action: 'command', command: 'support', args: 'list' }]);
      assert.deepEqual(slackValues(screen), [{ action: 'command', command: 'support', args: 'list' }]);
      assert.deepEqual(cardActions(screen, 'de').map((a) => a.title), ['Meine Anfragen']);
      assert.doesNotMatch(seen(screen), /already/);
    });

    it('a repeated Submit: submitted already, nothing new', () => {
      const screen = supportSubmittedScreen({ existing: true });
      assert.equal(count(seen(screen), /^Support request 42 for order ORD-2025-200000 was submitted already; nothing new was done\. You will get the ticket number here\.$/), 3);
      assert.match(seen(screen, 'de'), /wurde bereits abgeschickt; es wurde nichts Neues getan\./);
    });
  });

  describe('supportList', () => {
    it('each request with its order, product, customer, date and where it stands', () => {
      const screen = supportListScreen();
      const all = seen(screen);
      assert.equal(count(all, /^Your support requests$/), 3);
      assert.equal(count(all, /Request 42 · order ORD-2025-200000: Being filed/), 2, 'Teams and the text');
      assert.equal(count(all, /Request 41 · order ORD-2025-200001: Filed as CSP-000041/), 2);
      assert.equal(count(all, /Request 40 · order ORD-2025-200002: Could not be filed/), 2);
      assert.match(slackText(screen), /Request 42 · order ORD-2025-200000\n.*\n⏳ Being filed/);
      assert.equal(count(all, /Windows Server 2022 Datacenter – 16 core licence pack · Contoso Ltd · requested May 20, 2025/), 12);
      const de = seen(screen, 'de');
      for (const part of [/Ihre Supportanfragen/, /Anfrage 41 · Bestellung ORD-2025-200001: Eingereicht als CSP-000041/, /Wird eingereicht/, /Konnte nicht eingereicht werden/, /gestellt am 20\.05\.2025/]) assert.match(de, part);
    });

    it('a filed request links its ticket; a failed one offers "File again" (support retry <id>); a new request', () => {
      const screen = supportListScreen();
      assert.deepEqual(cardActions(screen).filter((a) => a.type === 'Action.OpenUrl').map((a) => [a.title, a.url]), [['Open ticket', 'https://desk.example.com/tickets/41']]);
      assert.deepEqual(
        slackButtons(slack(screen)).filter((b) => (b as { url?: string }).url).map((b) => [b.text.text, (b as { url?: string }).url, b.value]),
        [['Open ticket', 'https://desk.example.com/tickets/41', undefined]],
      );
      const expected = [{ action: 'command', command: 'support', args: 'retry 40' }, { action: 'command', command: 'support' }];
      assert.deepEqual(submits(screen), expected);
      assert.deepEqual(slackValues(screen), expected);
      assert.deepEqual(cardActions(screen).filter((a) => a.type === 'Action.Submit').map((a) => a.title), ['File again', 'File a support request']);
      // Only http(s) links get a button; the ticket number is still shown.
      const odd = supportListScreen({ requests: [supportRow(0, { ticketUrl: 'javascript:alert(1)' }), supportRow(1, { ticketUrl: `https://x.example/${'a'.repeat(400)}` })] });
      assert.equal(cardActions(odd).filter((a) => a.type === 'Action.OpenUrl').length, 0);
      assert.ok(!slackButtons(slack(odd)).some((b) => (b as { url?: string }).url));
      assert.match(seen(odd), /Filed as CSP-000042/);
    });

    it(`none yet; at most ${CARD_LIMITS.supportRequests}, saying so`, () => {
      const none = supportListScreen({ requests: [] });
      assert.equal(count(seen(none), /^You have not filed any support request yet\.$/), 3);
      assert.match(seen(none, 'de'), /Sie haben noch keine Supportanfrage gestellt\./);
      const many = supportListScreen({ requests: Array.from({ length: 25 }, (_, i) => supportRow(i, { status: 'failed', ticketNumber: null, ticketUrl: null })) });
      assert.equal(submits(many).filter((d) => String(d.args).startsWith('retry')).length, CARD_LIMITS.supportRequests);
      assert.equal(count(seen(many), /Only the newest 20 requests are listed\./), 3);
    });
  });

  describe('supportFiled (a notification)', () => {
    it('names the request, the order and the ticket; "Open ticket" when the desk has a link; "My requests"', () => {
      const screen = supportFiledScreen();
      assert.equal(count(seen(screen), /^Your support request 42 for order ORD-2025-200000 \(Windows Server 2022 Datacenter – 16 core licence pack\) was filed: ticket CSP-000042\.$/), 3);
      assert.match(seen(screen, 'de'), /Ihre Supportanfrage 42 zur Bestellung ORD-2025-200000 \(.*\) wurde eingereicht: Ticket CSP-000042\./);
      assert.deepEqual(cardActions(screen).map((a) => [a.type, a.title, a.url]), [['Action.OpenUrl', 'Open ticket', 'https://desk.example.com/tickets/42'], ['Action.Submit', 'My requests', undefined]]);
      const buttons = slackButtons(slack(screen));
      assert.deepEqual(buttons.map((b) => [b.text.text, (b as { url?: string }).url]), [['Open ticket', 'https://desk.example.com/tickets/42'], ['My requests', undefined]]);
      assert.deepEqual(slackValues(screen), [{ action: 'command', command: 'support', args: 'list' }]);
      const noLink = supportFiledScreen({ ticketUrl: null });
      assert.deepEqual(cardActions(noLink).map((a) => a.title), ['My requests']);
      assert.deepEqual(slackButtons(slack(noLink)).map((b) => b.text.text), ['My requests']);
      // The link only in the button, never in the text of a notification.
      assert.doesNotMatch(fallbackText(screen, 'en'), /https?:/);
    });
  });

  describe('supportFailed (a notification)', () => {
    const reasons: Record<(typeof SUPPORT_FAILURES)[number], [RegExp, RegExp]> = {
      unauthorized: [/could not be filed: the support desk refused the bot's credentials\. An administrator must check the support desk configuration\./, /Der Support-Desk hat die Anmeldedaten des Bots abgelehnt\. Ein Administrator muss die Konfiguration des Support-Desks prüfen\./],
      rejected: [/could not be filed: the support desk refused its content \(an administrator finds the desk's reason in the bot's log\)\. To change what it says, file a new request for the order\./, /Der Support-Desk hat ihren Inhalt abgelehnt \(den Grund des Desks findet ein Administrator im Protokoll des Bots\)\./],
      unavailable: [/could not be filed: the support desk did not answer, though I tried several times\./, /Der Support-Desk hat trotz mehrerer Versuche nicht geantwortet\./],
    };
    for (const reason of SUPPORT_FAILURES) {
      it(`${reason}: says why; the request is kept; "File again" sends support retry <id>`, () => {
        const screen = supportFailedScreen({ reason });
        assert.equal(count(seen(screen), reasons[reason][0]), 3);
        assert.match(seen(screen, 'de'), reasons[reason][1]);
        assert.match(teamsText(screen), /^The request is kept: file it again with support retry 42\.$/m);
        assert.match(fallbackText(screen, 'en'), /^The request is kept: file it again with support retry 42\.$/m);
        assert.match(slackText(screen), /The request is kept: file it again with `\/csp support retry 42`\./);
        assert.match(seen(screen, 'de'), /Die Anfrage bleibt gespeichert: Reichen Sie sie mit support retry 42 erneut ein\./);
        const expected = [{ action: 'command', command: 'support', args: 'retry 42' }, { action: 'command', command: 'support', args: 'list' }];
        assert.deepEqual(submits(screen), expected);
        assert.deepEqual(slackValues(screen), expected);
        assert.deepEqual(cardActions(screen).map((a) => a.title), ['File again', 'My requests']);
        assert.deepEqual(slackButtons(slack(screen, 'de')).map((b) => b.text.text), ['Erneut einreichen', 'Meine Anfragen']);
      });
    }
  });

  describe('notifications as screens', () => {
    it('a filed and a failed request become their screens, for either channel', () => {
      const filed: NotificationMessage = { kind: 'supportFiled', requestId: '42', orderId: 'ORD-1', title: 'SQL Server 2022', ticketNumber: '#4711', ticketUrl: 'https://x.zendesk.com/agent/tickets/4711' };
      const failed: NotificationMessage = { kind: 'supportFailed', requestId: '43', orderId: 'ORD-2', title: 'SQL Server 2022', reason: 'rejected' };
      for (const channel of ['msteams', 'slack'] as const) {
        assert.deepEqual(notificationScreen(filed, channel), { kind: 'supportFiled', requestId: '42', orderId: 'ORD-1', title: 'SQL Server 2022', ticketNumber: '#4711', ticketUrl: 'https://x.zendesk.com/agent/tickets/4711' });
        assert.deepEqual(notificationScreen(failed, channel), { kind: 'supportFailed', requestId: '43', orderId: 'ORD-2', title: 'SQL Server 2022', reason: 'rejected' });
      }
      assert.match(fallbackText(notificationScreen(filed, 'slack'), 'de'), /wurde eingereicht: Ticket #4711\./);
    });
  });

  describe('the way in from elsewhere (R20)', () => {
    it('a cancellation not completed offers "Request support" for its order, and names the command', () => {
      const screen = cancellationFailedScreen();
      assert.deepEqual(submits(screen)[0], { action: 'command', command: 'support', args: 'ORD-2025-200000' });
      assert.deepEqual(slackValues(screen)[0], { action: 'command', command: 'support', args: 'ORD-2025-200000' });
      assert.equal(cardActions(screen)[0]?.title, 'Request support');
      assert.match(fallbackText(screen, 'en'), /To file a support request from here, with these facts filled in: support ORD-2025-200000/);
    });

    it('the error notice offers a support request (the default)', () => {
      const screen = notices.error('c0ffee00-1234');
      assert.deepEqual(submits(screen), [{ action: 'command', command: 'support' }]);
      assert.deepEqual(cardActions(screen, 'de').map((a) => a.title), ['Supportanfrage stellen']);
    });

    it('the refusals the dialog words, in both languages, with their ids', () => {
      for (const locale of LOCALES) {
        for (const key of ['support.refused.requestNotFound', 'support.refused.notRetryable', 'support.retried'] as const) assert.match(t(locale, key, { requestId: '42' }), /\b42\b/, key);
      }
      assert.equal(t('en', 'support.refused.requestNotFound', { requestId: '42' }), 'There is no support request 42 of yours.');
      assert.equal(t('en', 'support.refused.notRetryable', { requestId: '42' }), 'Support request 42 is already filed or being filed.');
      assert.equal(t('en', 'support.refused.stale'), 'This support request card is no longer current. Type support to start again.');
      assert.equal(t('en', 'support.retried', { requestId: '42' }), 'Support request 42 is being filed again. You will get the ticket number here.');
      assert.equal(t('en', 'support.filesNeedForm'), 'Files can only be attached while a support request form is open.');
      assert.equal(t('de', 'support.refused.requestNotFound', { requestId: '42' }), 'Es gibt keine Supportanfrage 42 von Ihnen.');
      assert.match(t('de', 'support.filesNeedForm'), /^Dateien können nur angehängt werden/);
    });
  });

  describe('outside text is shown literally', () => {
    const evil = '<!channel> *bold* _it_ [x](https://evil.example) <https://evil.example|click>';
    const facts = supportFacts({ customerName: evil, productTitle: evil, customerDomain: evil, orderId: evil, cancellation: { reason: 'failed', code: evil } });
    const screens: Screen[] = [
      supportStartScreen({ candidates: [{ orderId: evil, title: evil, customerName: evil, reason: 'failed', at: evil }] }),
      supportForm({ facts, values: supportValues({ title: evil, description: evil, refundReason: evil, amount: evil, contactName: evil, contactEmail: evil, contactPhone: evil }), files: [{ name: evil, sizeBytes: 1 }], refusedFiles: [{ name: evil, reason: 'type' }], filesBy: 'modal' }),
      supportReviewScreen({ facts, title: evil, description: evil, refundReason: evil, contact: { name: evil, email: evil, phone: evil }, files: [{ name: evil, sizeBytes: 1 }], refusedFiles: [{ name: evil, reason: 'type' }], desk: evil }),
      supportSubmittedScreen({ requestId: evil, orderId: evil }),
      supportListScreen({ requests: [supportRow(0, { requestId: evil, orderId: evil, title: evil, customerName: evil, ticketNumber: evil })] }),
      supportFiledScreen({ requestId: evil, orderId: evil, title: evil, ticketNumber: evil }),
      supportFailedScreen({ requestId: evil, orderId: evil, title: evil }),
    ];

    it('Teams: only in TextRuns or input values (never markdown)', () => {
      for (const screen of screens) {
        // Submit data (an object with an `action`) carries ids, not text.
        const holders = objects(teams(screen).body).filter((o) => typeof o.action !== 'string' && Object.values(o).some((v) => typeof v === 'string' && v.includes('*bold*')));
        assert.ok(holders.length > 0, screen.kind);
        for (const o of holders) assert.ok(o.type === 'TextRun' || (typeof o.type === 'string' && o.type.startsWith('Input.')), `${screen.kind}: ${JSON.stringify(o)}`);
      }
    });

    it('Slack: only in plain_text, or escaped in a code span (a command to type) (no formatting, links or mentions)', () => {
      for (const screen of screens) {
        const blocks = isForm(screen) ? renderSlackModal(screen, 'en').blocks : slack(screen).blocks;
        const holders = objects(blocks).filter((o) => typeof o.text === 'string' && o.text.includes('bold*'));
        assert.ok(holders.length > 0, screen.kind);
        for (const o of holders) assert.ok(o.type === 'plain_text' || (o.type === 'mrkdwn' && /`[^`\n]*\*bold\*[^`\n]*`/.test(String(o.text))), `${screen.kind}: ${JSON.stringify(o)}`);
        for (const o of objects(blocks).filter((x) => x.type === 'mrkdwn')) assert.ok(!String(o.text).includes('<!channel>') && !String(o.text).includes('<https'), screen.kind);
      }
    });

    it('the long values of the worst cases stay within the 28 KB (two-byte characters)', () => {
      const form = supportForm({ values: supportValues({ description: umlauts(5000), refundReason: umlauts(1000), title: umlauts(150) }) });
      for (const locale of LOCALES) {
        assert.ok(bytes(renderTeams(form, locale)) <= MAX_MESSAGE_BYTES);
        assert.ok(bytes(renderSlackModal(form, locale)) <= MAX_MESSAGE_BYTES);
      }
    });
  });
});
