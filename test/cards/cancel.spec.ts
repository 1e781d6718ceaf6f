import { strict as assert } from 'node:assert';
import {
  buySearchModal, CARD_LIMITS, cancelNoticeModal, fallbackText, isForm, notificationScreen, parseSubmitData, renderSlack, renderSlackModal, renderTeams,
  type CancelNoticeFormScreen, type Locale, type Screen,
} from '../../cards/index.js';
import { LOCALES } from '../../cards/i18n/index.js';
import type { NotificationMessage } from '../../services/notifications/messages.js';
import {
  CANCELLATION_FAILURES, cancellationFailedScreen, cancellationFinishedScreen, cancelNoticeForm, cancelPurchasesScreen, cancelRow, cancelRows,
  cancellationDelayedScreen, cancelScreens, cancelSubmittedScreen, contoso, customerScreen, longCustomer, manyCancelProducts, manyCustomers, proratedOptions,
} from './fixtures.js';
import { assertGermanDiffers, lines, objects, slackButtons, teamsSubmits, texts } from './inspect.js';
import { assertValidAdaptiveCard, assertValidBlockKit, assertValidSlackModal, MAX_MESSAGE_BYTES } from './validate.js';

const teams = (screen: Screen, locale: Locale = 'en') => renderTeams(screen, locale).content;
const slack = (screen: Screen, locale: Locale = 'en') => renderSlack(screen, locale);
/** What a reader sees: the Teams card, the Slack message (or modal, for a form) and the fallback text. */
const seen = (screen: Screen, locale: Locale = 'en'): string =>
  [...lines(teams(screen, locale).body), ...texts((isForm(screen) ? renderSlackModal(screen, locale) : slack(screen, locale)).blocks), fallbackText(screen, locale)].join('\n');
const slackValues = (screen: Screen, locale: Locale = 'en'): Array<Record<string, unknown>> => slackButtons(slack(screen, locale)).map((b) => JSON.parse(b.value) as Record<string, unknown>);
const submits = (screen: Screen, locale: Locale = 'en') => teamsSubmits(teams(screen, locale)) as Array<Record<string, unknown>>;
/** A card's Action.Submit elements (title, data, associatedInputs, style). */
const submitActions = (screen: Screen, locale: Locale = 'en') =>
  objects(teams(screen, locale)).filter((o) => (o.type === 'Action.Submit' || o.type === 'Action.Execute')) as Array<{ title: string; data: Record<string, unknown>; associatedInputs?: string; style?: string }>;
const inputs = (screen: Screen, locale: Locale = 'en') => objects(teams(screen, locale).body).filter((o) => typeof o.type === 'string' && o.type.startsWith('Input.'));
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
/** Counts the lines of `text` that match. */
const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

/** What the view_submission listener makes of a submitted modal: private_metadata, then each input's value by action_id. */
function submitted(view: ReturnType<typeof cancelNoticeModal>, values: Record<string, string>): unknown {
  return parseSubmitData({ ...(JSON.parse(view.private_metadata) as object), ...values });
}

describe('cards: cancelling a purchase (R14–R20)', () => {
  describe('every screen renders valid cards and modals, within the limits', () => {
    for (const { name, screen } of cancelScreens()) {
      for (const locale of LOCALES) {
        it(`${name} [${locale}]`, () => {
          const card = renderTeams(screen, locale);
          assertValidAdaptiveCard(card);
          assert.ok(bytes(card) <= MAX_MESSAGE_BYTES);
          const message = renderSlack(screen, locale);
          assertValidBlockKit(message);
          assert.ok(message.blocks.length <= 50);
          if (isForm(screen)) assertValidSlackModal(renderSlackModal(screen, locale));
          for (const data of [...teamsSubmits(card), ...slackButtons(message).map((b) => b.value)]) assert.ok(parseSubmitData(data), JSON.stringify(data));
        });
      }
    }

    it('German differs from English on every channel, and the German catalog is used', () => {
      assertGermanDiffers(cancelScreens());
    });

    it('no submit data carries money, and no text or data holds a link, an activation key or the notice id', () => {
      for (const { name, screen } of cancelScreens()) {
        for (const locale of LOCALES) {
          const data = [...submits(screen, locale), ...slackValues(screen, locale)];
          if (isForm(screen)) data.push(JSON.parse(renderSlackModal(screen, locale).private_metadata) as Record<string, unknown>);
          for (const d of data) for (const k of Object.keys(d)) assert.ok(!/price|total|amount|credit|currency|minor/i.test(k), `${name}: ${k} in ${JSON.stringify(d)}`);
          const all = `${seen(screen, locale)}\n${JSON.stringify(data)}`;
          assert.doesNotMatch(all, /https?:\/\//, name);
          assert.doesNotMatch(all, /\b[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}\b/, name);
          assert.ok(!seen(screen, locale).includes('notice-7f3a2c'), `${name}: the notice id is shown`);
        }
      }
    });
  });

  describe('the customer step for `cancel`', () => {
    it('sends cancel.* actions, asks whose purchase and says /csp cancel', () => {
      const screen = customerScreen({ flow: 'cancel', query: 'Fabrikam', result: 'many', customers: manyCustomers.slice(0, 2) });
      const picks = manyCustomers.slice(0, 2).map((c) => ({ action: 'cancel.customer', customerId: c.id }));
      assert.deepEqual(new Set(submits(screen).map((d) => d.action)), new Set(['cancel.customer', 'cancel.search', 'flow.stop']));
      assert.deepEqual(submits(screen).filter((d) => d.action === 'cancel.customer'), picks);
      assert.deepEqual(slackValues(screen).filter((d) => d.action === 'cancel.customer'), picks);
      assert.deepEqual(slackValues(screen).filter((d) => d.action === 'cancel.search'), [{ action: 'cancel.search' }]);
      assert.match(seen(screen), /Cancel a purchase: whose\?/);
      assert.match(seen(screen, 'de'), /Kauf stornieren: für welchen Kunden\?/);
      assert.match(texts(slack(screen).blocks).join('\n'), /`\/csp cancel \[customer\]`/);
      assert.match(texts(slack(screen, 'de').blocks).join('\n'), /`\/csp cancel \[Kunde\]`/);
    });

    it('its stop button reads "Close": "Cancel" would read as cancelling a purchase (the trial)', () => {
      const screen = customerScreen({ flow: 'cancel', query: 'Fabrikam', result: 'many', customers: manyCustomers.slice(0, 2) });
      const stopTitles = (card: unknown) => objects(card).filter((o) => (o.data as { action?: string } | undefined)?.action === 'flow.stop').map((o) => o.title);
      assert.deepEqual(stopTitles(teams(screen)), ['Close']);
      assert.deepEqual(slack(screen).blocks.flatMap((b: any) => b.elements ?? []).filter((e: any) => e.value && JSON.parse(e.value).action === 'flow.stop').map((e: any) => e.text.text), ['Close']);
      assert.deepEqual(stopTitles(teams(customerScreen({ flow: 'buy' }))), ['Cancel'], 'elsewhere it stays Cancel');
    });

    it('the Slack search modal sends cancel.search with the query and names the flow', () => {
      for (const locale of LOCALES) {
        const view = buySearchModal(locale, { action: 'cancel.search' }, 'Conto');
        assertValidSlackModal(view);
        assert.deepEqual(submitted(view as never, { query: 'Contoso' }), { action: 'cancel.search', query: 'Contoso' });
        assert.match(texts(view.blocks).join('\n'), locale === 'en' ? /Cancel a purchase: whose\?/ : /Kauf stornieren: für welchen Kunden\?/);
      }
      // The search form of the cancel flow opens the same modal.
      const form = { kind: 'customerSearchForm' as const, flow: 'cancel' as const, query: null };
      assert.deepEqual(JSON.parse(renderSlackModal(form, 'en').private_metadata), { action: 'cancel.search' });
      assert.deepEqual(submits(form).filter((d) => d.action === 'cancel.search'), [{ action: 'cancel.search' }]);
    });
  });

  describe('cancelPurchases (R14–R16)', () => {
    it('lists per product its orders with where each stands, in English and German', () => {
      const screen = cancelPurchasesScreen();
      const en = seen(screen);
      for (const part of [
        /Software purchases of Contoso Ltd/,
        /Order ORD-2025-200000 · quantity 10 · Mar 5, 2025: 58 days left to cancel · credit €1,234\.56/,
        /Order ORD-2025-200001 · quantity 11 · Mar 5, 2025: Cancellation window passed on Jan 1, 2025, 8:00\sAM UTC/,
        /ORD-2025-200002 · quantity 12 · Mar 5, 2025: Software plan: cannot be cancelled/,
        /ORD-2025-200003 · quantity 13 · Mar 5, 2025: Cancellation in progress since Mar 7, 2025, 2:03\sPM UTC/,
        /ORD-2025-200004 · quantity 14 · Mar 5, 2025: Cancelled on Mar 6, 2025, 4:45\sPM UTC/,
      ]) {
        assert.equal(count(en, part), 3, `${part} on Teams, Slack and in the text`);
      }
      const de = seen(screen, 'de');
      for (const part of [
        /Softwarekäufe von Contoso Ltd/, /Bestellung ORD-2025-200000 · Menge 10 · 05\.03\.2025: noch 58 Tage zum Stornieren · Gutschrift 1\.234,56\u00a0€/,
        /Stornierungsfrist abgelaufen am 01\.01\.2025, 08:00 UTC/, /Softwareplan: nicht stornierbar/, /Stornierung läuft seit 07\.03\.2025, 14:03 UTC/,
        /Storniert am 06\.03\.2025, 16:45 UTC/,
      ]) {
        assert.match(de, part);
      }
      // The products in the order given, each order under its product.
      const text = fallbackText(screen, 'en');
      const at = (s: string) => text.indexOf(s);
      assert.ok(at('Windows Server 2022') < at('ORD-2025-200000') && at('ORD-2025-200001') < at('SUSE') && at('SUSE') < at('ORD-2025-200002') && at('SQL Server') < at('ORD-2025-200003'));
    });

    it('"Cancel an order…" only by a product with an order that can be cancelled now; Close (not "Cancel", in a flow about cancelling) stops the flow', () => {
      const screen = cancelPurchasesScreen();
      const expected = [{ action: 'cancel.product', customerId: contoso.id, productId: 'DG7GMGF0FKZV' }];
      assert.deepEqual(submits(screen).filter((d) => d.action === 'cancel.product'), expected);
      assert.deepEqual(slackValues(screen).filter((d) => d.action === 'cancel.product'), expected);
      assert.deepEqual(submitActions(screen).filter((a) => a.data.action === 'cancel.product').map((a) => [a.title, a.associatedInputs]), [['Cancel an order…', 'none']]);
      assert.deepEqual(slackButtons(slack(screen, 'de')).map((b) => b.text.text), ['Bestellung stornieren …', 'Schließen']);
      const stop = submitActions(screen).find((a) => a.data.action === 'flow.stop')!;
      assert.deepEqual([stop.title, stop.associatedInputs], ['Close', 'none']);
      assert.ok(slackValues(screen).some((d) => d.action === 'flow.stop'));
    });

    it('no purchase at all: says so plainly, with only Cancel', () => {
      const screen = cancelPurchasesScreen({ products: [] });
      assert.equal(count(seen(screen), /^Contoso Ltd has no software purchases to cancel\.$/), 3);
      assert.match(seen(screen, 'de'), /Contoso Ltd hat keine Softwarekäufe, die storniert werden könnten\./);
      assert.deepEqual(submits(screen), [{ action: 'flow.stop' }]);
      assert.deepEqual(slackValues(screen), [{ action: 'flow.stop' }]);
    });

    it(`lists at most ${CARD_LIMITS.cancelProducts} products and ${CARD_LIMITS.cancelOrders} orders, each listed product with its newest, and says what is left out`, () => {
      const products = manyCancelProducts(12, 25);
      const screen = cancelPurchasesScreen({ customer: longCustomer, products });
      const text = fallbackText(screen, 'en');
      const listed = products.flatMap((p) => p.orders).filter((o) => text.includes(o.orderId));
      assert.equal(listed.length, CARD_LIMITS.cancelOrders);
      for (const [i, p] of products.entries()) {
        const shown = p.orders.filter((o) => text.includes(o.orderId)).length;
        assert.equal(shown, i < CARD_LIMITS.cancelProducts ? 2 : 0, p.productId);
      }
      assert.equal(count(text, /23 older orders of this product are not listed\./), CARD_LIMITS.cancelProducts);
      assert.match(seen(screen), /Only the 10 products bought most recently are listed\./);
      assert.match(seen(screen, 'de'), /23 ältere Bestellungen dieses Produkts werden nicht angezeigt\..*[^]*Nur die 10 zuletzt gekauften Produkte werden angezeigt\./);
      assert.equal(submits(screen).filter((d) => d.action === 'cancel.product').length, CARD_LIMITS.cancelProducts);
      for (const locale of LOCALES) {
        assert.ok(bytes(renderTeams(screen, locale)) <= MAX_MESSAGE_BYTES, `Teams ${locale}: ${bytes(renderTeams(screen, locale))} bytes`);
        assert.ok(slack(screen, locale).blocks.length <= 50);
        assert.ok(bytes(slack(screen, locale)) <= MAX_MESSAGE_BYTES);
      }
      assert.doesNotMatch(seen(cancelPurchasesScreen()), /not listed|Only the/);
    });

    it('one product with a long history gets the whole budget; its button stays though the open order is not listed', () => {
      const orders = [...cancelRows(30).map((o) => ({ ...o, window: { state: 'passed' as const }, credit: undefined })), cancelRow(99)];
      const screen = cancelPurchasesScreen({ products: [{ productId: 'P1', title: 'SQL Server 2022 Standard', orders }] });
      assert.equal(orders.filter((o) => fallbackText(screen, 'en').includes(o.orderId)).length, CARD_LIMITS.cancelOrders);
      assert.match(seen(screen), /11 older orders of this product are not listed\./);
      assert.match(seen(cancelPurchasesScreen({ products: [{ productId: 'P1', title: 'x', orders: orders.slice(-21) }] })), /1 older order of this product is not listed\./);
      assert.deepEqual(submits(screen).filter((d) => d.action === 'cancel.product'), [{ action: 'cancel.product', customerId: contoso.id, productId: 'P1' }]);
    });
  });

  describe('cancelNoticeForm: the Important notice (R14, R15, R17, R19)', () => {
    it('one order: its facts, no choice; Submit carries the order; Teams merges the toggle', () => {
      const form = cancelNoticeForm();
      const all = seen(form);
      for (const part of [/Order ID: ORD-2025-200000/, /Purchase date: Mar 5, 2025/, /Can be cancelled until May 4, 2025, 9:30\sAM UTC \(58 days left\)/, /Credit: €1,234\.56/]) {
        assert.match(all, part);
      }
      assert.deepEqual(inputs(form).map((i) => [i.type, i.id]), [['Input.Toggle', 'acknowledged']]);
      const [toggle] = inputs(form);
      assert.deepEqual([toggle?.valueOn, toggle?.valueOff, toggle?.title], ['true', 'false', 'I have read the notice and want to cancel this order']);
      assert.equal(inputs(form, 'de')[0]?.title, 'Ich habe den Hinweis gelesen und möchte diese Bestellung stornieren');
      const [submit, stop] = submitActions(form);
      assert.deepEqual(submit?.data, { action: 'cancel.submit', customerId: contoso.id, noticeId: 'notice-7f3a2c', orderId: 'ORD-2025-200000' });
      assert.deepEqual([submit?.title, submit?.style], ['Submit cancellation', 'destructive']);
      assert.notEqual(submit?.associatedInputs, 'none', 'Submit must take the acknowledgement along');
      assert.deepEqual([stop?.data, stop?.associatedInputs], [{ action: 'flow.stop' }, 'none']);
      assert.equal(submitActions(form, 'de')[0]?.title, 'Stornierung absenden');
      // What Teams posts back: the button's data with the inputs merged in.
      assert.deepEqual(parseSubmitData({ ...submit.data, acknowledged: 'true' }), {
        action: 'cancel.submit', customerId: contoso.id, noticeId: 'notice-7f3a2c', orderId: 'ORD-2025-200000', acknowledged: 'true',
      });
    });

    it('several orders: a choice "order · bought · days left · credit", none preselected (cancelling is chosen, not defaulted) unless chosen before; Submit leaves the order to the choice', () => {
      const form = cancelNoticeForm({ options: proratedOptions, selectedOrderId: proratedOptions[1]!.orderId });
      const choice = inputs(form).find((i) => i.type === 'Input.ChoiceSet')!;
      assert.equal(choice.id, 'orderId');
      assert.equal(choice.value, 'ORD-2025-200001');
      assert.deepEqual(choice.choices, [
        { title: 'ORD-2025-200000 · bought Mar 5, 2025 · 58 days left · credit €987.65', value: 'ORD-2025-200000' },
        { title: 'ORD-2025-200001 · bought Mar 5, 2025 · 38 days left · credit €887.65', value: 'ORD-2025-200001' },
        { title: 'ORD-2025-200002 · bought Mar 5, 2025 · 18 days left · credit €787.65', value: 'ORD-2025-200002' },
      ]);
      assert.equal((inputs(form, 'de').find((i) => i.id === 'orderId')!.choices as Array<{ title: string }>)[0]!.title, 'ORD-2025-200000 · gekauft am 05.03.2025 · noch 58 Tage · Gutschrift 987,65\u00a0€');
      assert.deepEqual(submitActions(form)[0]?.data, { action: 'cancel.submit', customerId: contoso.id, noticeId: 'notice-7f3a2c' });
      assert.equal(inputs(cancelNoticeForm({ options: proratedOptions, selectedOrderId: 'ORD-NOT-OFFERED' })).find((i) => i.id === 'orderId')?.value, undefined);
      const fresh = inputs(cancelNoticeForm({ options: proratedOptions })).find((i) => i.id === 'orderId');
      assert.equal(fresh?.value, undefined);
      assert.equal(fresh?.isRequired, true, 'the card refuses Submit until an order is chosen');
    });

    it('the notice says in the reader\'s language: keys and links revoked at once, uninstall, and the credit rule with today\'s amount', () => {
      const expected: Array<[CancelNoticeFormScreen, Locale, RegExp[]]> = [
        [cancelNoticeForm(), 'en', [
          /Cancelling revokes all activation keys and download links of this purchase at once\./, /The customer must stop using the software and uninstall it\./,
          /Perpetual software is credited in full \(100%\) on your next invoice\./, /Credit if you cancel today: €1,234\.56\./,
        ]],
        [cancelNoticeForm(), 'de', [
          /alle Aktivierungsschlüssel und Downloadlinks dieses Kaufs sofort gesperrt/, /Der Kunde muss die Nutzung der Software beenden und sie deinstallieren\./,
          /vollständig \(100 %\) gutgeschrieben/, /Gutschrift bei Stornierung heute: 1\.234,56\u00a0€\./,
        ]],
        [cancelNoticeForm({ options: proratedOptions }), 'en', [/A subscription is credited prorated on your next invoice: the unused days of its term ÷ the days of the term\./, /shown with each order/]],
        [cancelNoticeForm({ options: proratedOptions }), 'de', [/Ein Abonnement wird auf Ihrer nächsten Rechnung anteilig gutgeschrieben/, /steht bei jeder Bestellung/]],
        [cancelNoticeForm({ options: [cancelRow(0, { credit: { amountMinor: 5000, currency: 'EUR', policy: 'mixed' } })] }), 'en', [/perpetual software is credited in full \(100%\) and subscriptions prorated/, /today: €50\.00/]],
        // Orders of one product with different rules: both rules are named.
        [cancelNoticeForm({ options: [cancelRow(0), proratedOptions[1]!] }), 'en', [/credited in full \(100%\) and subscriptions prorated/]],
      ];
      for (const [form, locale, parts] of expected) {
        for (const part of parts) {
          const teamsText = texts(teams(form, locale).body).join('\n');
          const modalText = texts(renderSlackModal(form, locale).blocks).join('\n');
          assert.match(teamsText, part, `Teams ${locale}`);
          assert.match(modalText, part, `Slack ${locale}`);
          assert.match(fallbackText(form, locale), part, `text ${locale}`);
        }
      }
      assert.doesNotMatch(seen(cancelNoticeForm({ options: proratedOptions })), /credited in full/);
    });

    it('the notice stands before the acknowledgement, which stands before Submit', () => {
      const body = JSON.stringify(teams(cancelNoticeForm()).body);
      assert.ok(body.indexOf('Cancelling revokes') < body.indexOf('Input.Toggle'));
      const modal = JSON.stringify(renderSlackModal(cancelNoticeForm(), 'en').blocks);
      assert.ok(modal.indexOf('Cancelling revokes') < modal.indexOf('checkboxes'));
    });

    it('a submit without the acknowledgement comes back with a visible warning', () => {
      const form = cancelNoticeForm({ acknowledgementMissing: true });
      const warning = 'Tick the acknowledgement to submit.';
      assert.ok(objects(teams(form).body).some((o) => o.type === 'TextBlock' && o.text === warning && o.color === 'Attention'), 'Teams: shown, not only as the toggle\'s error message');
      assert.ok(texts(renderSlackModal(form, 'en').blocks).some((s) => s.includes(warning)), 'Slack');
      assert.ok(fallbackText(form, 'en').includes(warning), 'text');
      assert.match(seen(form, 'de'), /Setzen Sie das Häkchen bei der Bestätigung, um abzusenden\./);
      assert.ok(!objects(teams(cancelNoticeForm()).body).some((o) => o.type === 'TextBlock' && o.text === warning));
      assert.ok(!texts(renderSlackModal(cancelNoticeForm(), 'en').blocks).some((s) => s.includes(warning)));
      assert.ok(!fallbackText(cancelNoticeForm(), 'en').includes(warning));
    });

    it('Slack: a modal whose submission is what the Teams card sends (one order baked in; the select and the checkbox merged)', () => {
      for (const locale of LOCALES) {
        const view = cancelNoticeModal(cancelNoticeForm(), locale);
        assertValidSlackModal(view);
        assert.equal(view.callback_id, 'csp:cancel.submit');
        assert.equal(view.submit?.text, locale === 'en' ? 'Submit cancellation' : 'Stornierung absenden');
        // Closing the notice keeps the order: its label says so, not "Cancel".
        assert.equal(view.close?.text, locale === 'en' ? 'Don’t cancel' : 'Nicht stornieren');
        assert.deepEqual(submitActions(cancelNoticeForm(), locale).map((a) => a.title), locale === 'en' ? ['Submit cancellation', 'Don’t cancel'] : ['Stornierung absenden', 'Nicht stornieren']);
        assert.ok(view.title.text.length <= 24);
        assert.deepEqual(JSON.parse(view.private_metadata), { action: 'cancel.submit', customerId: contoso.id, noticeId: 'notice-7f3a2c', orderId: 'ORD-2025-200000' });
        const inputBlocks = view.blocks.filter((b) => b.type === 'input');
        assert.deepEqual(inputBlocks.map((b) => [b.block_id, b.element.type, b.element.action_id, b.optional]), [['acknowledged', 'checkboxes', 'acknowledged', undefined]]);
        const box = inputBlocks[0]!.element as { options: Array<{ value: string; text: { text: string } }> };
        assert.deepEqual(box.options.map((o) => o.value), ['true']);
        assert.deepEqual(submitted(view, { acknowledged: 'true' }), { action: 'cancel.submit', customerId: contoso.id, noticeId: 'notice-7f3a2c', orderId: 'ORD-2025-200000', acknowledged: 'true' });
      }

      const several = cancelNoticeModal(cancelNoticeForm({ options: proratedOptions, selectedOrderId: 'ORD-2025-200002' }), 'en');
      assertValidSlackModal(several);
      assert.deepEqual(JSON.parse(several.private_metadata), { action: 'cancel.submit', customerId: contoso.id, noticeId: 'notice-7f3a2c' });
      const select = several.blocks.find((b) => b.type === 'input' && b.element.type === 'static_select');
      assert.ok(select?.type === 'input' && select.element.type === 'static_select');
      assert.equal(select.block_id, 'orderId');
      assert.equal(select.element.action_id, 'orderId');
      assert.ok(!select.optional, 'the order must be chosen');
      assert.deepEqual(select.element.options.map((o) => [o.text.text, o.value]), proratedOptions.map((o, i) => [`${o.orderId} · bought Mar 5, 2025 · ${58 - i * 20} days left · credit €${987 - i * 100}.65`, o.orderId]));
      assert.equal(select.element.initial_option?.value, 'ORD-2025-200002');
      assert.deepEqual(submitted(several, { orderId: 'ORD-2025-200001', acknowledged: 'true' }), {
        action: 'cancel.submit', customerId: contoso.id, noticeId: 'notice-7f3a2c', orderId: 'ORD-2025-200001', acknowledged: 'true',
      });
      // The checkbox is required (Slack keeps the modal open until it is ticked), and its hint says why.
      assert.match(texts(several.blocks).join('\n'), /Needed to submit: without it, nothing is cancelled\./);
    });

    it(`offers at most ${CARD_LIMITS.cancelOrders} orders; Slack's option texts fit its 75 characters`, () => {
      const options = Array.from({ length: 30 }, (_, i) => cancelRow(i, { orderId: `ORD-2025-${300000 + i}`, credit: { amountMinor: 1234567 + i, currency: 'EUR', policy: 'prorated' } }));
      const form = cancelNoticeForm({ options });
      assert.equal((inputs(form).find((i) => i.id === 'orderId')!.choices as unknown[]).length, CARD_LIMITS.cancelOrders);
      for (const locale of LOCALES) {
        const select = objects(renderSlackModal(form, locale).blocks).find((o) => o.type === 'static_select')!;
        const texts_ = (select.options as Array<{ text: { text: string } }>).map((o) => o.text.text);
        assert.equal(texts_.length, CARD_LIMITS.cancelOrders);
        assert.ok(texts_.every((t) => t.length <= 75 && !t.endsWith('…')), texts_.join('\n'));
        // German is too long for the full wording: the short one keeps every fact.
        assert.equal(texts_[0], locale === 'en' ? 'ORD-2025-300000 · bought Mar 5, 2025 · 58 days left · credit €12,345.67' : 'ORD-2025-300000 · 05.03.2025 · noch 58 Tage · Gutschrift 12.345,67\u00a0€');
      }
    });

    it('no order to offer (never sent by the flow): says so, with nothing to submit', () => {
      const form = cancelNoticeForm({ options: [] });
      assert.match(seen(form), /There is no order of Windows Server 2022 Datacenter to choose from\./);
      assert.deepEqual(submits(form), [{ action: 'flow.stop' }]);
      const view = renderSlackModal(form, 'en');
      assertValidSlackModal(view);
      assert.equal(view.submit, undefined);
      assert.ok(!view.blocks.some((b) => b.type === 'input'));
    });
  });

  describe('cancelSubmitted (R17, R18)', () => {
    it('confirms at once: up to 15 minutes, a message when finished, the credit; another order or the orders', () => {
      const screen = cancelSubmittedScreen();
      const all = seen(screen);
      assert.match(all, /Cancellation submitted for order ORD-2025-200000 \(Windows Server 2022 Datacenter – 16 core licence pack, Contoso Ltd\)\. It can take up to 15 minutes; I will send you a message when it has finished\./);
      assert.equal(count(all, /Expected credit on your next invoice: €1,234\.56\./), 3);
      assert.match(seen(screen, 'de'), /Das kann bis zu 15 Minuten dauern; ich schreibe Ihnen, sobald sie abgeschlossen ist\.[^]*Erwartete Gutschrift auf Ihrer nächsten Rechnung: 1\.234,56\u00a0€\./);
      // Both start a task of their own, below the confirmation, which stays as the record (issue 13).
      const expected = [{ action: 'command', command: 'cancel', args: contoso.id }, { action: 'command', command: 'orders', args: contoso.id }];
      assert.deepEqual(submits(screen), expected);
      assert.deepEqual(slackValues(screen), expected);
      // Short labels: the customer is named above them (a label naming it outgrew a Teams card).
      assert.deepEqual(submitActions(screen).map((a) => a.title), ['Cancel another order', 'View orders']);
      assert.deepEqual(slackButtons(slack(screen, 'de')).map((b) => b.text.text), ['Weitere Bestellung stornieren', 'Bestellungen anzeigen']);
      assert.doesNotMatch(all, /submitted already/);
    });

    it('a repeated submit says nothing new was done, with the same facts', () => {
      const screen = cancelSubmittedScreen({ existing: true });
      const all = seen(screen);
      assert.match(all, /This cancellation was submitted already; nothing new was done\./);
      for (const part of [/Order ID: ORD-2025-200000/, /Customer: Contoso Ltd/, /Expected credit on your next invoice: €1,234\.56\./]) assert.match(fallbackText(screen, 'en'), part);
      assert.match(texts(slack(screen).blocks).join('\n'), /ORD-2025-200000/);
      assert.match(seen(screen, 'de'), /Diese Stornierung wurde bereits abgeschickt; es wurde nichts Neues getan\./);
      assert.doesNotMatch(all, /It can take up to 15 minutes/);
    });

    it('a very long customer name keeps the buttons within Slack\'s 75 characters', () => {
      const labels = slackButtons(slack(cancelSubmittedScreen({ customer: longCustomer }))).map((b) => b.text.text);
      assert.ok(labels.every((l) => l.length <= 75), labels.join('\n'));
    });
  });

  describe('cancellationFinished (R18, R19: a notification)', () => {
    it('names order, product, customer and credit; keys and links revoked, with their numbers; uninstall', () => {
      const screen = cancellationFinishedScreen();
      const all = seen(screen);
      assert.equal(count(all, /Order ORD-2025-200000 \(Windows Server 2022 Datacenter – 16 core licence pack\) of Contoso Ltd is cancelled\. Credit on your next invoice: €1,234\.56\./), 3);
      assert.equal(count(all, /All activation keys and download links of this purchase are revoked \(3 keys, 2 links\)\. The customer must stop using the software and uninstall it\./), 3);
      assert.match(seen(cancellationFinishedScreen({ keysRevoked: 1, linksRevoked: 0 })), /\(1 key, 0 links\)/);
      assert.match(seen(screen, 'de'), /sind gesperrt \(3 Schlüssel, 2 Links\)\. Der Kunde muss die Nutzung der Software beenden und sie deinstallieren\./);
      assert.match(seen(cancellationFinishedScreen({ keysRevoked: 1, linksRevoked: 1 }), 'de'), /\(1 Schlüssel, 1 Link\)/);
      // Nothing had been issued: no "revoked (0 keys, 0 links)", which reads as if something failed.
      const none = cancellationFinishedScreen({ keysRevoked: 0, linksRevoked: 0 });
      assert.equal(count(seen(none), /No activation key or download link had been issued for this purchase, and none can be issued now\. The customer must stop using the software and uninstall it\./), 3);
      assert.doesNotMatch(seen(none), /revoked/);
      assert.match(seen(none, 'de'), /keine Aktivierungsschlüssel oder Downloadlinks ausgegeben/);
      // "View orders" of the customer the cancellation was for.
      assert.deepEqual(submits(screen), [{ action: 'command', command: 'orders', args: contoso.id }]);
      assert.deepEqual(slackValues(screen), [{ action: 'command', command: 'orders', args: contoso.id }]);
    });
  });

  describe('cancellationDelayed (R18: a notification)', () => {
    it('says it has not finished after the deadline, that it is still followed and the user will be told; no keys meanwhile; the reference', () => {
      const screen = cancellationDelayedScreen();
      const all = seen(screen);
      assert.equal(count(all, /The cancellation of order ORD-2025-200000 \(Windows Server 2022 Datacenter – 16 core licence pack, Contoso Ltd\) has not finished after 60 minutes\. Partner Center sometimes takes longer: I keep checking and will send you a message when it has finished\./), 3);
      assert.equal(count(all, /no new activation keys or download links are issued for it/), 3);
      assert.match(fallbackText(screen, 'en'), /Cancellation reference: 41/);
      assert.match(seen(screen, 'de'), /ist nach 60 Minuten noch nicht abgeschlossen\. Partner Center braucht manchmal länger: Ich prüfe weiter/);
      assert.deepEqual(submits(screen), [{ action: 'command', command: 'orders', args: contoso.id }]);
      assert.deepEqual(slackValues(screen), [{ action: 'command', command: 'orders', args: contoso.id }]);
    });
  });

  describe('cancellationFailed (R20: a notification)', () => {
    const reasons: Record<CancellationFailedReason, RegExp> = {
      window_passed: /Partner Center refused to cancel order ORD-2025-200000 \(Windows Server 2022 Datacenter – 16 core licence pack, Contoso Ltd\): its cancellation window had passed\./,
      not_cancellable: /refused to cancel order ORD-2025-200000 .*: the product cannot be cancelled\./,
      not_found: /could not cancel order ORD-2025-200000 .*: it did not find the order\./,
      failed: /The cancellation of order ORD-2025-200000 .* failed in Partner Center\./,
      needs_information: /stopped the cancellation of order ORD-2025-200000 .*: it needs more information to cancel it\./,
      timed_out: /I have stopped following the cancellation of order ORD-2025-200000 .*: Partner Center had not finished it after 7 days\. It may still complete it\./,
    };

    for (const reason of CANCELLATION_FAILURES) {
      it(`${reason}: says why, what it means for the order, and how to go on`, () => {
        const screen = cancellationFailedScreen({ reason, ...(reason === 'timed_out' ? { followedMinutes: 10_140 } : {}) });
        const all = seen(screen);
        assert.equal(count(all, reasons[reason]), 3, 'on Teams, Slack and in the text');
        if (reason === 'timed_out') {
          assert.match(all, /Until it finishes, the order is not cancelled: its activation keys and download links still work\./);
          assert.match(all, /If Partner Center shows the order cancelled, cancel it here again: I then revoke its keys and links and book the credit\./);
          assert.match(all, /If it does not finish, file a support request — here with Request support, or in Partner Center \(Help \+ support → New request\) — quoting:/);
        } else {
          assert.match(all, /The order is not cancelled: its activation keys and download links still work\./);
          assert.match(all, /To go on, file a support request — here with Request support \(filled in with what follows\), or in Partner Center \(Help \+ support → New request\) — quoting:/);
        }
        for (const fact of [/Order ID: ORD-2025-200000/, /Cancellation reference: 5b0c6f7e-3d1a-4e2b-9c8d-7a6b5c4d3e2f/, /Error code: 900117/]) assert.match(fallbackText(screen, 'en'), fact);
        assert.match(texts(slack(screen).blocks).join('\n'), /5b0c6f7e-3d1a-4e2b-9c8d-7a6b5c4d3e2f/);
        assert.match(seen(screen, 'de'), /Supportanfrage – hier mit „Supportanfrage stellen“.* oder im Partner Center \(Hilfe \+ Support → Neue Anfrage\)/);
        assert.match(seen(screen, 'de'), /Stornierungsreferenz: 5b0c6f7e/);
        // R20: the support request of this order, from here: a button and the command.
        const expected = [{ action: 'command', command: 'support', args: 'ORD-2025-200000' }, { action: 'command', command: 'orders', args: contoso.id }];
        assert.deepEqual(submits(screen), expected);
        assert.deepEqual(slackValues(screen), expected);
        assert.deepEqual(submitActions(screen).map((a) => a.title), ['Request support', 'View orders']);
        assert.deepEqual(submitActions(screen, 'de').map((a) => a.title), ['Supportanfrage stellen', 'Bestellungen anzeigen']);
        assert.match(fallbackText(screen, 'en'), /To file a support request from here, with these facts filled in: support ORD-2025-200000$/);
        assert.match(lines(teams(screen).body).join('\n'), /with these facts filled in: support ORD-2025-200000/);
        assert.match(texts(slack(screen).blocks).join('\n'), /with these facts filled in: \/csp support ORD-2025-200000/);
        assert.match(fallbackText(screen, 'de'), /Um die Supportanfrage von hier aus zu stellen, mit diesen Angaben bereits ausgefüllt: support ORD-2025-200000/);
      });
    }

    it('in German, per reason', () => {
      const de = (reason: CancellationFailedReason) => fallbackText(cancellationFailedScreen({ reason, followedMinutes: 10_140 }), 'de');
      assert.match(de('window_passed'), /abgelehnt: Die Stornierungsfrist war abgelaufen\./);
      assert.match(de('not_cancellable'), /Das Produkt kann nicht storniert werden\./);
      assert.match(de('not_found'), /Es hat die Bestellung nicht gefunden\./);
      assert.match(de('failed'), /ist in Partner Center fehlgeschlagen\./);
      assert.match(de('needs_information'), /Es braucht weitere Angaben/);
      assert.match(de('timed_out'), /nicht mehr: Partner Center hatte sie nach 7 Tagen nicht abgeschlossen\. Es kann sie noch abschließen\./);
      assert.match(fallbackText(cancellationFailedScreen({ reason: 'timed_out', followedMinutes: 90 }), 'de'), /nach 90 Minuten/);
      assert.match(fallbackText(cancellationFailedScreen({ reason: 'timed_out', followedMinutes: 1 }), 'en'), /after 1 minute\./);
      assert.match(fallbackText(cancellationFailedScreen({ reason: 'timed_out', followedMinutes: 36 * 60 }), 'en'), /after 36 hours\./);
      assert.match(de('failed'), /Die Bestellung ist nicht storniert: Die Aktivierungsschlüssel und Downloadlinks des Kaufs funktionieren weiterhin\./);
    });

    it('without a backend code there is no code to quote; a timeout of unknown length still says it may finish', () => {
      const screen = cancellationFailedScreen({ code: null });
      assert.doesNotMatch(seen(screen), /Error code/);
      assert.match(fallbackText(screen, 'en'), /Cancellation reference: 5b0c6f7e/);
      const unbounded = cancellationFailedScreen({ reason: 'timed_out' });
      assert.match(seen(unbounded), /has not finished in the time I followed it\. Partner Center may still complete it\./);
      assert.doesNotMatch(seen(unbounded), /\{minutes\}|undefined/);
    });
  });

  describe('notifications as screens', () => {
    it('a finished and a failed cancellation become their screens, for either channel', () => {
      const finished: NotificationMessage = {
        kind: 'cancellationFinished', cancellationId: 'c-1', orderId: 'ORD-1', title: 'SQL Server 2022', customerId: contoso.id, customerName: 'Contoso Ltd', currency: 'EUR', creditMinor: 500, keysRevoked: 2, linksRevoked: 1,
      };
      const failed: NotificationMessage = {
        kind: 'cancellationFailed', cancellationId: 'c-2', orderId: 'ORD-2', title: 'SQL Server 2022', customerId: contoso.id, customerName: 'Contoso Ltd', reason: 'timed_out', code: null, followedMinutes: 60,
      };
      const delayed: NotificationMessage = { kind: 'cancellationDelayed', cancellationId: 'c-3', orderId: 'ORD-3', title: 'SQL Server 2022', customerId: contoso.id, customerName: 'Contoso Ltd', minutes: 60 };
      for (const channel of ['msteams', 'slack'] as const) {
        assert.deepEqual(notificationScreen(finished, channel), {
          kind: 'cancellationFinished', orderId: 'ORD-1', title: 'SQL Server 2022', customerId: contoso.id, customerName: 'Contoso Ltd', creditMinor: 500, currency: 'EUR', keysRevoked: 2, linksRevoked: 1,
        });
        assert.deepEqual(notificationScreen(failed, channel), {
          kind: 'cancellationFailed', cancellationId: 'c-2', orderId: 'ORD-2', title: 'SQL Server 2022', customerId: contoso.id, customerName: 'Contoso Ltd', reason: 'timed_out', code: null, followedMinutes: 60,
        });
        assert.deepEqual(notificationScreen(delayed, channel), {
          kind: 'cancellationDelayed', cancellationId: 'c-3', orderId: 'ORD-3', title: 'SQL Server 2022', customerId: contoso.id, customerName: 'Contoso Ltd', minutes: 60,
        });
      }
      const { followedMinutes: _, ...withoutDuration } = failed;
      assert.ok(!('followedMinutes' in notificationScreen({ ...withoutDuration, reason: 'failed', code: '900117' }, 'slack')));
      assert.match(fallbackText(notificationScreen(finished, 'slack'), 'de'), /Die Bestellung ORD-1 \(SQL Server 2022\) von Contoso Ltd ist storniert\. Gutschrift auf Ihrer nächsten Rechnung: 5,00\u00a0€\./);
    });
  });

  describe('outside text is shown literally', () => {
    const evil = '<!channel> *bold* _it_ [x](https://evil.example) <https://evil.example|click>';
    const customer = { ...contoso, companyName: evil };
    const screens: Screen[] = [
      cancelPurchasesScreen({ customer, products: [{ productId: 'P1', title: evil, orders: [cancelRow(0)] }] }),
      cancelNoticeForm({ customer, title: evil, options: [cancelRow(0, { title: evil })] }),
      cancelNoticeForm({ customer, title: evil, options: proratedOptions }),
      cancelSubmittedScreen({ customer, title: evil }),
      cancellationFinishedScreen({ title: evil, customerName: evil }),
      cancellationFailedScreen({ title: evil, customerName: evil, code: evil }),
    ];

    it('Teams: only in TextRuns (never markdown)', () => {
      for (const screen of screens) {
        const holders = objects(teams(screen).body).filter((o) => Object.values(o).some((v) => typeof v === 'string' && v.includes('*bold*')));
        assert.ok(holders.length > 0, screen.kind);
        for (const o of holders) assert.equal(o.type, 'TextRun', `${screen.kind}: ${JSON.stringify(o)}`);
      }
    });

    it('Slack: only in plain_text (no formatting, links or mentions)', () => {
      for (const screen of screens) {
        const blocks = isForm(screen) ? renderSlackModal(screen, 'en').blocks : slack(screen).blocks;
        const holders = objects(blocks).filter((o) => typeof o.text === 'string' && o.text.includes('bold*'));
        assert.ok(holders.length > 0, screen.kind);
        for (const o of holders) assert.equal(o.type, 'plain_text', `${screen.kind}: ${JSON.stringify(o)}`);
        for (const o of objects(blocks).filter((x) => x.type === 'mrkdwn')) assert.ok(!String(o.text).includes('<!channel>'), screen.kind);
      }
    });
  });
});

type CancellationFailedReason = (typeof CANCELLATION_FAILURES)[number];
