import { strict as assert } from 'node:assert';
import {
  buyProductSearchModal, buyQuantityModal, buySearchModal, CARD_LIMITS, fallbackText, parseSubmitData, quantityModalModel, renderSlack,
  renderTeams, type Locale, type QuantityErrorReason, type Screen,
} from '../../cards/index.js';
import type { CardButton } from '../../cards/adaptive.js';
import { LOCALES } from '../../cards/i18n/index.js';
import type { CancellationWindowView, QuantityErrorReason as CardReason, TaxNote } from '../../cards/screens.js';
import type { QuantityRejection, TaxNote as ServiceTaxNote } from '../../services/commerce/rules.js';
import type { CancellationState } from '../../services/purchase/purchase-service.js';
import {
  confirmedScreen, contoso, customerScreen, fifteenProducts, longCustomer, manyCustomers, orderRows, ordersScreen, productsScreen,
  purchaseScreens, reviewScreen, skuOf, skuScreen,
} from './fixtures.js';
import { objects, slackButtons, teamsSubmits, texts } from './inspect.js';
import { assertValidSlackModal } from './validate.js';

// Compile-time: the purchase service's answers fit the screens as they are (tsc fails if either side drifts).
const _serviceFitsScreens: [(s: CancellationState) => CancellationWindowView, (r: QuantityRejection) => CardReason, (n: ServiceTaxNote) => TaxNote] = [
  (s) => s,
  (r) => r,
  (n) => n,
];

const teams = (screen: Screen, locale: Locale = 'en') => renderTeams(screen, locale).content;
const slack = (screen: Screen, locale: Locale = 'en') => renderSlack(screen, locale);
/** What a reader sees on every channel: Teams card, Slack message, fallback text. */
const seen = (screen: Screen, locale: Locale = 'en'): string => [...texts(teams(screen, locale).body), ...texts(slack(screen, locale).blocks), fallbackText(screen, locale)].join('\n');
const slackValues = (screen: Screen, locale: Locale = 'en'): unknown[] => slackButtons(slack(screen, locale)).map((b): unknown => JSON.parse(b.value));
const inputs = (screen: Screen, locale: Locale = 'en') => objects(teams(screen, locale).body).filter((o) => typeof o.type === 'string' && o.type.startsWith('Input.'));

/** A card's Action.Submit elements (title, data, associatedInputs, style). */
function submitActions(screen: Screen, locale: Locale = 'en'): Array<{ title: string; data: Record<string, unknown>; associatedInputs?: string; style?: string }> {
  return objects(teams(screen, locale)).filter((o) => (o.type === 'Action.Submit' || o.type === 'Action.Execute')) as never;
}

/** Amounts with a currency symbol, as Intl writes them in en-US and de-DE. */
const MONEY = /(?:€|R\$|A\$|¥)\s?\d[\d,.]*|\d[\d.,]*[\u00a0 ](?:€|R\$|A\$|¥)/;
const TAX: Record<Locale, Record<'incl' | 'excl', string>> = {
  en: { incl: 'incl. tax', excl: 'excl. tax' },
  de: { incl: 'inkl. Steuern', excl: 'ohne Steuern' },
};

const ACTIONS = new Set([
  'buy.search', 'buy.customer', 'orders.search', 'orders.customer', 'buy.kind', 'buy.productSearch', 'buy.product', 'buy.sku', 'buy.review',
  'buy.confirm', 'orders.page', 'command', 'buy.searchProducts',
]);

describe('cards: purchase screens', () => {
  describe('R4: every price says whether tax is included', () => {
    for (const { name, screen } of purchaseScreens()) {
      it(name, () => {
        const taxNote = 'taxNote' in screen ? screen.taxNote : null;
        for (const locale of LOCALES) {
          const lines = seen(screen, locale).split('\n');
          const priced = lines.filter((l) => MONEY.test(l));
          if (taxNote === null) {
            assert.deepEqual(priced, [], 'a screen without a tax note shows no price');
            continue;
          }
          for (const line of priced) {
            assert.ok(line.includes(TAX[locale][taxNote]), `[${locale}] no "${TAX[locale][taxNote]}" in: ${line}`);
            assert.ok(!line.includes(TAX[locale][taxNote === 'incl' ? 'excl' : 'incl']), `[${locale}] wrong tax note in: ${line}`);
          }
        }
      });
    }

    it('shows the market\'s prices: Brazil includes tax, Germany excludes it', () => {
      assert.match(seen(productsScreen({ customer: longCustomer, products: fifteenProducts, taxNote: 'incl' })), /from R\$999,999\.99 incl\. tax/);
      assert.match(seen(skuScreen(), 'de'), /Stückpreis: 1\.234,56\u00a0€ ohne Steuern/);
      assert.match(seen(reviewScreen()), /Total: €12,345\.60 excl\. tax/);
      assert.match(seen(reviewScreen({ currency: 'JPY', unitPriceMinor: 1234, totalMinor: 12340, taxNote: 'incl' })), /¥12,340 incl\. tax/);
    });
  });

  describe('submit data', () => {
    for (const { name, screen } of purchaseScreens()) {
      it(`${name}: every button parses, names a known action and carries no price`, () => {
        const prices = new Set<number>();
        for (const o of objects(screen)) {
          for (const [k, v] of Object.entries(o)) if (/price|total/i.test(k) && typeof v === 'number') prices.add(v);
        }
        for (const locale of LOCALES) {
          for (const raw of [...teamsSubmits(teams(screen, locale)), ...slackButtons(slack(screen, locale)).map((b) => b.value)]) {
            const data = parseSubmitData(raw);
            assert.ok(data, `unparseable: ${JSON.stringify(raw)}`);
            if (data.action.startsWith('buy.') || data.action.startsWith('orders.') || data.action === 'command') {
              assert.ok(ACTIONS.has(data.action), data.action);
            }
            for (const [k, v] of Object.entries(data)) {
              assert.ok(!/price|total|amount|currency/i.test(k), `price-like key ${k}`);
              assert.ok(typeof v !== 'number' || !prices.has(v), `a price (${v}) in ${JSON.stringify(data)}`);
            }
          }
        }
      });
    }
  });

  describe('buyCustomer (R1)', () => {
    it('Teams: a search box and a Search button that sends what was typed', () => {
      const screen = customerScreen();
      const [query] = inputs(screen);
      assert.equal(query?.type, 'Input.Text');
      assert.equal(query?.id, 'query');
      assert.equal(query?.placeholder, 'Company name, tenant ID or domain');
      const search = submitActions(screen).find((a) => a.data.action === 'buy.search')!;
      assert.deepEqual(search.data, { action: 'buy.search' });
      assert.notEqual(search.associatedInputs, 'none', 'Search must take the input along');
      // What Teams posts back: the button's data with the inputs merged in.
      assert.deepEqual(parseSubmitData({ ...search.data, query: 'contoso.onmicrosoft.com' }), { action: 'buy.search', query: 'contoso.onmicrosoft.com' });
      assert.equal(inputs(screen, 'de')[0]?.placeholder, 'Firmenname, Mandanten-ID oder Domäne');
    });

    it('several matches: one Select per customer, which works without typing a search', () => {
      const screen = customerScreen({ query: 'Fabrikam', result: 'many', customers: manyCustomers, more: true });
      const selects = submitActions(screen).filter((a) => a.data.action === 'buy.customer');
      assert.deepEqual(selects.map((a) => a.data), manyCustomers.map((c) => ({ action: 'buy.customer', customerId: c.id })));
      assert.ok(selects.every((a) => a.associatedInputs === 'none'));
      assert.deepEqual(slackValues(screen).filter((d) => (d as { action: string }).action === 'buy.customer'), selects.map((a) => a.data));
      const all = seen(screen);
      assert.match(all, /Several customers match “Fabrikam”/);
      assert.match(all, /Only the first 10 are listed/);
      assert.match(all, /tenant 72f988bf-86f1-41af-91ab-2d7cd011db03 · Australia/);
      assert.match(seen(screen, 'de'), /Mandant 72f988bf-86f1-41af-91ab-2d7cd011db03 · Australien/);
    });

    it('no match and a malformed tenant ID say so and offer to search again, with the text kept', () => {
      for (const [result, message] of [['none', /No customer matches “Nonexistent GmbH”/], ['invalidGuid', /“Nonexistent GmbH” is not a valid tenant ID/]] as const) {
        const screen = customerScreen({ query: 'Nonexistent GmbH', result });
        assert.match(seen(screen), message);
        assert.equal(inputs(screen)[0]?.value, 'Nonexistent GmbH');
        assert.equal(inputs(screen)[0]?.label, 'Search again');
        assert.match(texts(slack(screen).blocks).join('\n'), /To search, type `\/csp buy \[customer\]`/);
      }
      assert.match(texts(slack(customerScreen({ query: 'x', result: 'none' }), 'de').blocks).join('\n'), /`\/csp buy \[Kunde\]`/);
    });

    it('no match suggests the other ways to search than the one tried (name, domain, tenant ID)', () => {
      const none = (query: string, searchedBy: 'name' | 'guid' | 'domain', locale: Locale = 'en') => seen(customerScreen({ query, result: 'none', searchedBy }), locale);
      assert.match(none('Nonexistent GmbH', 'name'), /Check the spelling, or search by tenant ID or domain/);
      assert.match(none('nobody.onmicrosoft.com', 'domain'), /No customer has the domain “nobody\.onmicrosoft\.com”\. Check it, or search by company name or tenant ID/);
      assert.match(none('72f988bf-86f1-41af-91ab-2d7cd011db47', 'guid'), /No customer has the tenant ID “72f988bf-86f1-41af-91ab-2d7cd011db47”\. Check it, or search by company name or domain/);
      assert.match(none('nobody.onmicrosoft.com', 'domain', 'de'), /Kein Kunde hat die Domäne „nobody\.onmicrosoft\.com“/);
    });

    it('a very long search is clamped where it is quoted', () => {
      const screen = customerScreen({ query: 'q'.repeat(2000), result: 'none' });
      const quoted = [...objects(teams(screen).body).filter((o) => o.type === 'TextRun').map((o) => String(o.text)), ...texts(slack(screen).blocks), fallbackText(screen, 'en')];
      assert.ok(quoted.join('\n').includes(`“${'q'.repeat(59)}…”`));
      assert.ok(quoted.every((text) => !text.includes('q'.repeat(61))));
      // The search box keeps (up to its 200-character limit) what was typed, to correct it.
      assert.equal(inputs(screen)[0]?.value, 'q'.repeat(200));
    });

    it('the same step for `orders` sends orders.* actions and says /csp orders', () => {
      const screen = customerScreen({ flow: 'orders', query: 'Contoso', result: 'many', customers: manyCustomers.slice(0, 2) });
      assert.deepEqual(new Set(teamsSubmits(teams(screen)).map((d) => (d as { action: string }).action)), new Set(['orders.customer', 'orders.search', 'flow.stop']));
      assert.match(seen(screen), /Orders: choose the customer/);
      assert.match(texts(slack(screen).blocks).join('\n'), /`\/csp orders \[customer\]`/);
    });
  });

  describe('buyProducts (R2, R3)', () => {
    it('offers kind filters (the current one highlighted), a search box and a Select per product', () => {
      const screen = productsScreen({ filterKind: 'software_plan', kinds: ['server_subscription', 'software_plan'] });
      const kinds = submitActions(screen).filter((a) => a.data.action === 'buy.kind');
      assert.deepEqual(kinds.map((a) => a.data.kind), ['all', 'server_subscription', 'software_plan']);
      assert.deepEqual(kinds.map((a) => a.title), ['All kinds', 'Server subscription', 'Software plan']);
      assert.deepEqual(kinds.map((a) => a.style), [undefined, undefined, 'positive']);
      assert.deepEqual(submitActions(screen, 'de').filter((a) => a.data.action === 'buy.kind').map((a) => a.title), ['Alle Arten', 'Serverabonnement', 'Softwareplan']);
      assert.deepEqual(slackButtons(slack(screen)).filter((b) => b.action_id.startsWith('buy.kind')).map((b) => b.style), [undefined, undefined, 'primary']);

      assert.deepEqual(inputs(screen).map((i) => i.id), ['search']);
      assert.deepEqual(submitActions(screen).find((a) => a.data.action === 'buy.productSearch')?.data, { action: 'buy.productSearch', customerId: contoso.id });
      const products = submitActions(screen).filter((a) => a.data.action === 'buy.product').map((a) => a.data);
      assert.deepEqual(products, screen.products.map((p) => ({ action: 'buy.product', customerId: contoso.id, productId: p.productId })));
      assert.deepEqual(slackValues(screen).filter((d) => (d as { action: string }).action === 'buy.product'), products);
    });

    it('shows at most 15 products and asks to refine the search when there are more', () => {
      for (const screen of [productsScreen({ products: fifteenProducts, more: true }), productsScreen({ products: [...fifteenProducts, ...fifteenProducts], more: false })]) {
        assert.equal(submitActions(screen).filter((a) => a.data.action === 'buy.product').length, CARD_LIMITS.products);
        assert.equal(slackButtons(slack(screen)).filter((b) => b.action_id.startsWith('buy.product')).length, CARD_LIMITS.products);
        assert.match(seen(screen), /Only the first 15 products are listed\. Refine your search/);
      }
      assert.doesNotMatch(seen(productsScreen()), /Refine your search/);
    });

    it('R3: says plainly that Azure reservations are not available in this market, naming the list', () => {
      const screen = productsScreen({ customer: longCustomer, azureReservationsUnavailable: { listVersion: '2019-11-30' } });
      assert.match(seen(screen), /Azure reservations are not available for customers in Brazil \(list of unavailable markets as of 2019-11-30\)/);
      assert.match(seen(screen, 'de'), /Azure-Reservierungen sind für Kunden in Brasilien nicht verfügbar/);
      assert.match(seen(productsScreen({ azureReservationsUnavailable: { listVersion: null } })), /not available for customers in Germany, so none are offered/);
      assert.doesNotMatch(seen(productsScreen()), /not available/);
    });

    it('R3: when nothing is listed and Azure reservations matched the search, says they cannot be bought there — on Teams, Slack and in the fallback text', () => {
      const screen = productsScreen({ products: [], search: 'Reserved VM', customer: longCustomer, azureReservationsUnavailable: { listVersion: '2019-11-30', matched: true } });
      const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;
      assert.equal(count(seen(screen), /Nothing here that this customer can buy: the Azure reservations that match are not available for customers in Brazil/), 3);
      assert.doesNotMatch(seen(screen), /matches “Reserved VM”\./);
      assert.match(seen(screen, 'de'), /Nichts davon kann dieser Kunde kaufen: Die passenden Azure-Reservierungen sind für Kunden in Brasilien nicht verfügbar/);
      assert.match(seen({ ...screen, products: productsScreen().products }), /not available for customers in Brazil/, 'with products listed, the R3 line alone');
      assert.doesNotMatch(seen({ ...screen, products: productsScreen().products }), /Nothing here that this customer can buy/);
    });

    it('says when nothing matches, quoting the search', () => {
      const all = seen(productsScreen({ products: [], search: 'Oracle' }));
      assert.match(all, /Products matching “Oracle”/);
      assert.match(all, /Nothing in the catalog for customers in Germany matches “Oracle”/);
      assert.doesNotMatch(all, /customer’s market/, 'it does not claim the product exists elsewhere (issue 13)');
      assert.match(seen(productsScreen({ products: [], filterKind: 'software_plan' })), /The catalog has no Software plan products for customers in Germany/);
      assert.match(seen(productsScreen({ products: [] })), /There are no products in the catalog for customers in Germany/);
    });
  });

  describe('buySku (R2, R4, R5, R16)', () => {
    it('Teams: a SKU choice, a whole-number quantity input and Review with the product', () => {
      const screen = skuScreen({ selectedSkuId: '0001', quantity: 7 });
      const [choice, quantity] = inputs(screen);
      assert.equal(choice?.type, 'Input.ChoiceSet');
      assert.equal(choice?.id, 'skuId');
      assert.equal(choice?.style, 'compact');
      assert.equal(choice?.value, '0001');
      assert.deepEqual((choice?.choices as Array<{ value: string }>).map((c) => c.value), ['0000', '0001']);
      assert.equal(quantity?.type, 'Input.Number');
      assert.equal(quantity?.id, 'quantity');
      assert.equal(quantity?.value, 7);
      // Wide enough for every SKU offered (1–1000 and 2–50); the server checks the chosen one.
      assert.deepEqual([quantity?.min, quantity?.max], [1, 1000]);
      const review = submitActions(screen).find((a) => a.data.action === 'buy.review')!;
      assert.deepEqual(review.data, { action: 'buy.review', productId: 'DG7GMGF0FKZV' });
      assert.equal(review.style, 'positive');
      assert.deepEqual(parseSubmitData({ ...review.data, skuId: '0001', quantity: '7' }), { action: 'buy.review', productId: 'DG7GMGF0FKZV', skuId: '0001', quantity: '7' });
      const cancel = submitActions(screen).find((a) => a.data.action === 'flow.stop')!;
      assert.deepEqual(cancel.data, { action: 'flow.stop' }, 'Cancel only ever stops a flow (never the cancel command)');
      assert.equal(cancel.associatedInputs, 'none', 'Cancel must work with an empty quantity');
    });

    it('Teams: one SKU needs no choice; Review carries it', () => {
      const screen = skuScreen({ skus: [skuOf(4, { minQuantity: 5, maxQuantity: 5 })] });
      assert.deepEqual(inputs(screen).map((i) => i.id), ['quantity']);
      assert.deepEqual([inputs(screen)[0]?.min, inputs(screen)[0]?.max], [5, 5]);
      assert.deepEqual(submitActions(screen).find((a) => a.data.action === 'buy.review')?.data, { action: 'buy.review', productId: 'DG7GMGF0FKZV', skuId: '0004' });
      const text = texts(teams(screen, 'en').body).join('\n');
      assert.match(text, /Enter the quantity, then select Review/);
      assert.doesNotMatch(text, /Choose the SKU/, 'nothing to choose: the card does not ask for it');
      assert.match(texts(teams(skuScreen(), 'en').body).join('\n'), /Choose the SKU and enter the quantity/);
    });

    it('Teams: SKUs whose quantity ranges differ each show their range, and the label says so; a title naming its term does not repeat it (issue 13)', () => {
      const differ = skuScreen();
      const choices = (inputs(differ).find((i) => i.id === 'skuId')?.choices ?? []) as Array<{ title: string }>;
      assert.match(choices[1]!.title, /2–50$/);
      assert.match(String(inputs(differ).find((i) => i.id === 'quantity')?.label), /range of the option you choose/);
      const same = skuScreen({ skus: [skuOf(0, { minQuantity: 2, maxQuantity: 50 }), skuOf(1, { minQuantity: 2, maxQuantity: 50, title: '2 Core License Pack – 1 year' })] });
      assert.equal(inputs(same).find((i) => i.id === 'quantity')?.label, 'Quantity (2–50)');
      const titles = ((inputs(same).find((i) => i.id === 'skuId')?.choices ?? []) as Array<{ title: string }>).map((c) => c.title);
      assert.match(titles[1]!, /^2 Core License Pack – 1 year · €/);
      assert.doesNotMatch(titles[0]!, /\d–\d/, 'one range for all: not repeated on each option');
    });

    it('a single payment for a term of a year is "paid upfront for the whole term", not "paid once" (issue 13); perpetual software stays "paid once"', () => {
      const yearly = skuScreen({ skus: [skuOf(0, { term: 'P1Y', billing: 'one_time' }), skuOf(1, { term: 'one_time', billing: 'one_time' })] });
      const all = texts(slack(yearly).blocks).join('\n');
      assert.match(all, /1 year · Paid upfront for the whole term/);
      assert.match(all, /One-time · Paid once/);
      assert.match(seen(reviewScreen({ term: 'P1Y', billing: 'one_time' })), /Paid upfront for the whole term/);
      assert.match(seen(reviewScreen({ term: 'P1Y', billing: 'one_time' }), 'de'), /Im Voraus für die gesamte Laufzeit bezahlt/);
      assert.doesNotMatch(seen(reviewScreen({ term: 'P1Y', billing: 'annual' })), /upfront/);
    });

    it('Slack: one section per SKU with term, billing, bounds, price and a Choose button', () => {
      const screen = skuScreen();
      assert.deepEqual(slackValues(screen).filter((d) => (d as { action: string }).action === 'buy.sku'), [
        { action: 'buy.sku', productId: 'DG7GMGF0FKZV', skuId: '0000' },
        { action: 'buy.sku', productId: 'DG7GMGF0FKZV', skuId: '0001' },
      ]);
      const all = texts(slack(screen).blocks).join('\n');
      assert.match(all, /1 year · Monthly · Quantity 2–50\nUnit price: €1,234\.57 excl\. tax/);
      assert.match(texts(slack(screen, 'de').blocks).join('\n'), /1 Jahr · Monatlich · Menge 2–50\nStückpreis: 1\.234,57\u00a0€ ohne Steuern/);
    });

    it('R5: the Azure Hybrid Benefit note only where the product qualifies', () => {
      const flagged = skuScreen();
      assert.match(seen(flagged), /Azure Hybrid Benefit: .*Software Assurance.*up to 40% on virtual machines/);
      assert.match(seen(flagged, 'de'), /Azure-Hybridvorteil: .*bis zu 40 % Ersparnis/);
      const plain = skuScreen({ product: { ...flagged.product, azureHybridBenefit: false } });
      for (const locale of LOCALES) assert.doesNotMatch(seen(plain, locale), /Hybrid/);
      assert.doesNotMatch(seen(reviewScreen()), /Hybrid/);
    });

    it('R15/R16: says how long the product can be cancelled, or that a software plan cannot', () => {
      assert.match(seen(skuScreen()), /Can be cancelled within 60 days of the purchase date/);
      const plan = skuScreen({ product: { ...skuScreen().product, kind: 'software_plan', azureHybridBenefit: false }, cancellation: { cancellable: false, windowDays: null } });
      assert.match(seen(plan), /Software plans \(SUSE Linux, Red Hat\) cannot be cancelled or exchanged/);
      assert.match(seen(plan, 'de'), /können nach dem Kauf weder storniert noch umgetauscht werden/);
      assert.match(seen(reviewScreen({ cancellation: { cancellable: false, windowDays: null } })), /This product cannot be cancelled once bought/);
    });

    it('a purchase that cannot be cancelled is a warning on the SKU and review cards, not small grey text (issue 13); a window stays a quiet note', () => {
      const final = reviewScreen({ cancellation: { cancellable: false, windowDays: null } });
      const warned = objects(teams(final).body).find((o) => o.type === 'Container' && o.style === 'warning');
      assert.ok(warned, 'a warning container on the Teams review card');
      assert.match(texts(warned).join(' '), /⚠ This product cannot be cancelled once bought/);
      assert.ok(objects(teams(final).body).some((o) => o.type === 'TextBlock' && o.weight === 'Bolder' && /cannot be cancelled/.test(String(o.text))));
      assert.match(texts(slack(final).blocks.filter((b) => b.type === 'section')).join('\n'), /:warning: \*This product cannot be cancelled once bought/);
      const plan = skuScreen({ product: { ...skuScreen().product, kind: 'software_plan', azureHybridBenefit: false }, cancellation: { cancellable: false, windowDays: null } });
      assert.ok(objects(teams(plan).body).some((o) => o.type === 'Container' && o.style === 'warning' && /cannot be cancelled/.test(texts(o).join(' '))));
      assert.equal(objects(teams(reviewScreen()).body).filter((o) => o.type === 'Container' && o.style === 'warning').length, 0, 'a cancellable purchase: no warning');
    });

    it('explains a refused quantity with the SKU\'s bounds, for every reason', () => {
      const expected: Record<QuantityErrorReason, RegExp> = {
        not_a_number: /whole number from 2 to 1,050/,
        not_an_integer: /whole number, without decimals: from 2 to 1,050/,
        not_positive: /greater than zero: from 2 to 1,050/,
        below_minimum: /minimum quantity for this SKU is 2\./,
        above_maximum: /maximum quantity for this SKU is 1,050\./,
      };
      for (const [reason, message] of Object.entries(expected) as Array<[QuantityErrorReason, RegExp]>) {
        const screen = skuScreen({ selectedSkuId: '0001', quantity: 0, quantityError: { reason, min: 2, max: 1050 } });
        assert.match(texts(teams(screen).body).join('\n'), message, reason);
        assert.match(texts(slack(screen).blocks).join('\n'), message, reason);
      }
      assert.match(seen(skuScreen({ quantityError: { reason: 'above_maximum', min: 2, max: 1050 } }), 'de'), /Höchstmenge für diese SKU ist 1\.050/);
    });
  });

  describe('buyReview (R6)', () => {
    it('shows customer, product, term, quantity and the server\'s total; Confirm sends only the review id', () => {
      const screen = reviewScreen();
      const all = seen(screen);
      for (const part of [/Customer: Contoso Ltd · Germany/, /Product: Windows Server 2022 Datacenter/, /Term: 1 year/, /Billing: Annually/, /Quantity: 10/, /Total: €12,345\.60 excl\. tax/]) {
        assert.match(all, part);
      }
      // Both are submits (a card's actions may also be links).
      const [confirm, cancel] = teams(screen).actions! as CardButton[];
      assert.deepEqual(confirm?.data, { action: 'buy.confirm', reviewId: 'r3' });
      assert.equal(confirm?.style, 'positive');
      assert.equal(confirm?.title, 'Confirm purchase');
      assert.deepEqual(cancel?.data, { action: 'flow.stop' });
      const buttons = slackButtons(slack(screen, 'de'));
      assert.deepEqual(buttons.map((b) => [b.text.text, b.style]), [['Kauf bestätigen', 'primary'], ['Abbrechen', undefined]]);
      assert.deepEqual(JSON.parse(buttons[0]!.value), { action: 'buy.confirm', reviewId: 'r3' });
    });

    it('a changed price is announced at the very top', () => {
      const warning = 'The price or availability changed since you last looked; please review the new total.';
      const screen = reviewScreen({ priceChanged: true });
      assert.ok(texts(teams(screen).body[0]).includes(warning));
      assert.ok(texts(slack(screen).blocks[0]).join('').includes(warning));
      assert.ok(fallbackText(screen, 'en').startsWith(warning));
      assert.ok(!seen(reviewScreen()).includes(warning));
    });
  });

  describe('buyConfirmed (R6, R7)', () => {
    it('shows the order id on its own, the purchase date, the last day to cancel, and View orders', () => {
      const screen = confirmedScreen();
      const body = teams(screen).body;
      const id = objects(body).find((o) => o.type === 'TextRun' && o.text === 'ORD-2025-000123');
      assert.equal(id?.size, 'ExtraLarge');
      assert.match(texts(slack(screen).blocks).join('\n'), /`ORD-2025-000123`/);
      const all = seen(screen);
      assert.match(all, /Order placed/);
      assert.match(all, /Purchase date: Mar 5, 2025/);
      assert.match(all, /Can be cancelled until May 4, 2025, 9:30\sAM UTC \(60 days left\)\./);
      assert.match(seen(screen, 'de'), /Stornierbar bis 04\.05\.2025, 09:30 UTC \(noch 60 Tage\)\./);
      assert.match(seen(confirmedScreen({ cancellation: { state: 'open', daysLeft: 1, closesAt: '2025-03-05T10:00:00.000Z' } })), /\(1 day left\)/);
      assert.deepEqual(teamsSubmits(teams(screen)), [{ action: 'command', command: 'orders', args: contoso.id }]);
      assert.deepEqual(slackValues(screen), [{ action: 'command', command: 'orders', args: contoso.id }]);
    });

    it('a repeated confirm says the order was already placed — same order id', () => {
      const all = seen(confirmedScreen({ existing: true }));
      assert.match(all, /This order was already placed/);
      assert.match(all, /no second order was created/);
      assert.match(all, /ORD-2025-000123/);
      assert.doesNotMatch(seen(confirmedScreen()), /already placed/);
    });
  });

  describe('orders', () => {
    it('lists orders in the order given (newest first) with translated status and cancellation window', () => {
      const rows = orderRows(6);
      const screen = ordersScreen({ orders: rows });
      const all = texts(teams(screen).body).join('\n');
      const positions = rows.map((r) => all.indexOf(r.orderId));
      assert.deepEqual([...positions].sort((a, b) => a - b), positions);
      for (const part of [/Completed · 1 day left to cancel/, /Completed · 42 days left to cancel/, /Completed · Cancellation window passed/, /Completed · Software plan: cannot be cancelled/, /Cancellation pending\n/, /Cancelled/]) {
        assert.match(all, part);
      }
      const de = seen(screen, 'de');
      for (const part of [/Abgeschlossen · noch 42 Tage zum Stornieren/, /Stornierungsfrist abgelaufen/, /Stornierung ausstehend/, /Storniert/, /Bestellung ORD-2025-100000 · Menge 1\.000 · 10\.01\.2025/]) {
        assert.match(de, part);
      }
    });

    it('pages: Previous and Next where there is a page to go to', () => {
      const middle = ordersScreen({ orders: orderRows(20), page: 2, totalPages: 5 });
      const expected = [{ action: 'orders.page', customerId: contoso.id, page: 1 }, { action: 'orders.page', customerId: contoso.id, page: 3 }];
      assert.deepEqual(teamsSubmits(teams(middle)), expected);
      assert.deepEqual(slackValues(middle), expected);
      assert.match(seen(middle), /Page 2 of 5/);
      assert.deepEqual(teamsSubmits(teams(ordersScreen())), []);
      assert.deepEqual(teamsSubmits(teams(ordersScreen({ page: 5, totalPages: 5 }))), [{ action: 'orders.page', customerId: contoso.id, page: 4 }]);
    });

    it('says when there are none, and shows at most 25 on a page', () => {
      assert.match(seen(ordersScreen({ orders: [], totalPages: 0 })), /This customer has no orders yet/);
      const many = ordersScreen({ orders: orderRows(40) });
      assert.equal(orderRows(40).filter((r) => seen(many).includes(r.orderId)).length, CARD_LIMITS.orders);
    });
  });

  describe('outside text is shown literally', () => {
    const evil = '<!channel> *bold* _it_ [x](https://evil.example) <https://evil.example|click>';
    const customer = { ...contoso, companyName: evil };
    const screens: Screen[] = [
      customerScreen({ query: evil, result: 'many', customers: [{ ...manyCustomers[0]!, companyName: evil, domain: evil }] }),
      productsScreen({ customer, search: evil, products: [{ ...fifteenProducts[0]!, title: evil, publisher: evil }] }),
      skuScreen({ customer, product: { ...skuScreen().product, title: evil, description: evil }, skus: [skuOf(0, { title: evil })] }),
      reviewScreen({ customer, productTitle: evil, skuTitle: evil }),
      confirmedScreen({ customer, productTitle: evil, skuTitle: evil }),
      ordersScreen({ customer, orders: [{ ...orderRows(1)[0]!, productTitle: evil }] }),
    ];

    it('Teams: only in TextRuns (never markdown) or choice titles', () => {
      for (const screen of screens) {
        const holders = objects(teams(screen).body).filter((o) => Object.values(o).some((v) => typeof v === 'string' && v.includes('*bold*')));
        assert.ok(holders.length > 0, screen.kind);
        for (const o of holders) assert.ok(o.type === 'TextRun' || (o.title !== undefined && o.value !== undefined) || o.type === 'Input.Text', `${screen.kind}: ${JSON.stringify(o)}`);
      }
    });

    it('Slack: only in plain_text (no formatting, links or mentions)', () => {
      for (const screen of screens) {
        const holders = objects(slack(screen).blocks).filter((o) => typeof o.text === 'string' && o.text.includes('bold*'));
        assert.ok(holders.length > 0, screen.kind);
        for (const o of holders) assert.equal(o.type, 'plain_text', `${screen.kind}: ${JSON.stringify(o)}`);
        for (const o of objects(slack(screen).blocks).filter((x) => x.type === 'mrkdwn')) assert.ok(!String(o.text).includes('<!channel>'), screen.kind);
      }
    });
  });

  describe('Slack modals', () => {
    /** What the view_submission listener makes of a submitted modal: private_metadata, then each input's value by action_id. */
    function submitted(view: ReturnType<typeof buySearchModal>, values: Record<string, string>): unknown {
      return parseSubmitData({ ...(JSON.parse(view.private_metadata) as object), ...values });
    }

    it('customer search: a valid modal whose submission is what the Teams search card sends', () => {
      for (const locale of LOCALES) {
        const view = buySearchModal(locale);
        assertValidSlackModal(view);
        assert.ok(view.title.text.length <= 24);
        const [inputBlock] = view.blocks.filter((b) => b.type === 'input');
        assert.equal(inputBlock?.type === 'input' && inputBlock.element.action_id, 'query');
        assert.deepEqual(submitted(view, { query: 'Contoso' }), { action: 'buy.search', query: 'Contoso' });
      }
      assert.equal(buySearchModal('de').title.text, 'Kunden suchen');
      const orders = buySearchModal('en', { action: 'orders.search' }, 'Conto');
      assertValidSlackModal(orders);
      assert.deepEqual(JSON.parse(orders.private_metadata), { action: 'orders.search' });
      assert.match(texts(orders.blocks).join('\n'), /Orders: choose the customer/);
      assert.ok(objects(orders.blocks).some((o) => o.initial_value === 'Conto'));
    });

    it('product search: sends buy.productSearch for the customer', () => {
      const view = buyProductSearchModal('de', contoso);
      assertValidSlackModal(view);
      assert.deepEqual(submitted(view, { search: 'SQL' }), { action: 'buy.productSearch', customerId: contoso.id, search: 'SQL' });
    });

    it('quantity: a whole-number input bounded by the chosen SKU; submitting is a buy.review', () => {
      const screen = skuScreen();
      const model = quantityModalModel(screen, '0001')!;
      for (const locale of LOCALES) {
        const view = buyQuantityModal(model, locale);
        assertValidSlackModal(view);
        const element = objects(view.blocks).find((o) => o.type === 'number_input')!;
        assert.deepEqual(
          [element.action_id, element.is_decimal_allowed, element.min_value, element.max_value, element.initial_value],
          ['quantity', false, '2', '50', undefined],
        );
        assert.deepEqual(submitted(view, { quantity: '5' }), { action: 'buy.review', productId: 'DG7GMGF0FKZV', skuId: '0001', quantity: '5' });
        assert.ok(texts(view.blocks).join('\n').includes(locale === 'en' ? '€1,234.57 excl. tax' : '1.234,57\u00a0€ ohne Steuern'));
      }
      assert.equal(quantityModalModel(screen, 'nope'), null);
    });

    it('quantity: shows a refused quantity\'s reason, and prefills only a quantity Slack would accept', () => {
      const refused = quantityModalModel(skuScreen({ selectedSkuId: '0001', quantity: 99, quantityError: { reason: 'above_maximum', min: 2, max: 50 } }), '0001')!;
      const view = buyQuantityModal(refused, 'en');
      assertValidSlackModal(view);
      assert.match(texts(view.blocks).join('\n'), /The maximum quantity for this SKU is 50\./);
      assert.equal(objects(view.blocks).find((o) => o.type === 'number_input')?.initial_value, undefined);
      const retry = quantityModalModel(skuScreen({ selectedSkuId: '0001', quantity: 12, quantityError: null }), '0001')!;
      assert.equal(objects(buyQuantityModal(retry, 'en').blocks).find((o) => o.type === 'number_input')?.initial_value, '12');
      // The error belongs to the SKU it was made for, not to another one chosen next.
      const other = quantityModalModel(skuScreen({ selectedSkuId: '0001', quantity: 99, quantityError: { reason: 'above_maximum', min: 2, max: 50 } }), '0000')!;
      assert.equal(other.quantityError, null);
    });
  });
});
