/** One example of every screen, for tests that render "all screens". */
import { act } from '../../cards/actions.js';
import { COMMANDS } from '../../dialogs/commands.js';
import {
  notices, purchaseNotices,
  type BuyConfirmedScreen, type BuyCustomerScreen, type BuyProductsScreen, type BuyReviewScreen, type BuySkuScreen, type CancellableOrderRow,
  type CancellationDelayedScreen, type CancellationFailedScreen, type CancellationFinishedScreen, type CancelNoticeFormScreen, type CancelPurchasesScreen, type CancelSubmittedScreen,
  type CustomerSummary, type HelpCommand, type OrderRow, type OrdersScreen, type Screen,
  type SupportFactsView, type SupportFailedScreen, type SupportFiledScreen, type SupportFormScreen, type SupportFormValues, type SupportLimitsView, type SupportListScreen,
  type SupportReviewScreen, type SupportStartScreen, type SupportSubmittedScreen,
} from '../../cards/index.js';
import { ROLES, type Channel } from '../../services/access/roles.js';

const ada = { id: 7, displayName: 'Ada Lovelace', roles: ['admin_agent' as const, 'global_admin' as const] };
/** A full page of users with long names, to check the size limits. */
const users = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, displayName: `${'Maximilian-Alexander '.repeat(3)}${i}`, roles: [...ROLES] }));

export function helpCommands(): HelpCommand[] {
  return COMMANDS.map(({ name, usage, descriptionKey, available }) => ({ name, usage, descriptionKey, available }));
}

// --- purchase screens -----------------------------------------------------------------

const LONG = 'Fabrikam Worldwide Holdings Incorporated – Research, Development & Manufacturing Division Europe Middle East Africa '.repeat(3);

export const contoso: CustomerSummary = { id: 'cust-contoso', companyName: 'Contoso Ltd', countryCode: 'DE', currency: 'EUR' };
export const longCustomer: CustomerSummary = { id: 'c'.repeat(36), companyName: LONG, countryCode: 'BR', currency: 'BRL' };

export function customerScreen(overrides: Partial<BuyCustomerScreen> = {}): BuyCustomerScreen {
  return { kind: 'buyCustomer', query: null, result: 'prompt', customers: [], ...overrides };
}

/** Ten customers with long names and domains (the service lists at most ten). */
export const manyCustomers = Array.from({ length: 10 }, (_, i) => ({
  id: `0000000${i}-aaaa-bbbb-cccc-${String(i).padStart(12, '0')}`,
  companyName: `${LONG.slice(0, 200)} ${i}`,
  domain: `fabrikam-research-and-development-division-${i}.onmicrosoft.com`,
  tenantId: `72f988bf-86f1-41af-91ab-2d7cd011db${String(i).padStart(2, '0')}`,
  countryCode: i % 2 === 0 ? 'DE' : 'AU',
}));

export function productsScreen(overrides: Partial<BuyProductsScreen> = {}): BuyProductsScreen {
  return {
    kind: 'buyProducts',
    customer: contoso,
    filterKind: null,
    search: null,
    kinds: ['azure_reservation', 'server_subscription', 'perpetual_software', 'software_plan'],
    products: [
      { productId: 'DG7GMGF0FKZV', title: 'Windows Server 2022 Datacenter', kind: 'server_subscription', publisher: 'Microsoft', fromPriceMinor: 1234567, currency: 'EUR' },
      { productId: 'DG7GMGF0D3SJ', title: 'SUSE Linux Enterprise Server', kind: 'software_plan', publisher: 'SUSE', fromPriceMinor: 9900, currency: 'EUR' },
      { productId: 'DG7GMGF0DWQ1', title: 'SQL Server 2019 Standard (no price)', kind: 'perpetual_software', publisher: 'Microsoft', fromPriceMinor: null, currency: 'EUR' },
    ],
    more: false,
    taxNote: 'excl',
    azureReservationsUnavailable: null,
    ...overrides,
  };
}

/** Fifteen products with long titles and publishers, the most a card shows. */
export const fifteenProducts = Array.from({ length: 15 }, (_, i) => ({
  productId: `DG7GMGF0${String(i).padStart(4, '0')}`,
  title: `${'Windows Server 2022 Datacenter – Core License Pack with Software Assurance and Extended Security Updates '.repeat(2)}${i}`,
  kind: (['server_subscription', 'perpetual_software', 'software_plan', 'azure_reservation'] as const)[i % 4]!,
  publisher: 'Microsoft Corporation (Licensing & Volume Programmes Division)',
  fromPriceMinor: 99999999 + i,
  currency: 'BRL',
}));

export const skuOf = (i: number, over: Partial<BuySkuScreen['skus'][number]> = {}): BuySkuScreen['skus'][number] => ({
  skuId: `000${i}`,
  title: `Windows Server 2022 Datacenter – 16 core licence pack ${i}`,
  term: (['one_time', 'P1Y', 'P3Y'] as const)[i % 3]!,
  billing: (['one_time', 'monthly', 'annual'] as const)[i % 3]!,
  minQuantity: 1,
  maxQuantity: 1000 + i,
  unitPriceMinor: 123456 + i,
  currency: 'EUR',
  ...over,
});

export function skuScreen(overrides: Partial<BuySkuScreen> = {}): BuySkuScreen {
  return {
    kind: 'buySku',
    customer: contoso,
    product: {
      productId: 'DG7GMGF0FKZV',
      title: 'Windows Server 2022 Datacenter',
      kind: 'server_subscription',
      description: 'The Windows Server operating system for highly virtualised datacenter and cloud environments.',
      azureHybridBenefit: true,
    },
    skus: [skuOf(0), skuOf(1, { minQuantity: 2, maxQuantity: 50 })],
    taxNote: 'excl',
    cancellation: { cancellable: true, windowDays: 60 },
    selectedSkuId: null,
    quantity: null,
    quantityError: null,
    ...overrides,
  };
}

export function reviewScreen(overrides: Partial<BuyReviewScreen> = {}): BuyReviewScreen {
  return {
    kind: 'buyReview',
    customer: contoso,
    productTitle: 'Windows Server 2022 Datacenter',
    skuTitle: '16 core licence pack',
    term: 'P1Y',
    billing: 'annual',
    quantity: 10,
    unitPriceMinor: 123456,
    totalMinor: 1234560,
    currency: 'EUR',
    taxNote: 'excl',
    cancellation: { cancellable: true, windowDays: 60 },
    priceChanged: false,
    reviewId: 'r3',
    ...overrides,
  };
}

export function confirmedScreen(overrides: Partial<BuyConfirmedScreen> = {}): BuyConfirmedScreen {
  return {
    kind: 'buyConfirmed',
    orderId: 'ORD-2025-000123',
    customer: contoso,
    productTitle: 'Windows Server 2022 Datacenter',
    skuTitle: '16 core licence pack',
    quantity: 10,
    totalMinor: 1234560,
    currency: 'EUR',
    taxNote: 'excl',
    purchaseDate: '2025-03-05',
    cancellation: { state: 'open', daysLeft: 60, closesAt: '2025-05-04T09:30:00.000Z' },
    existing: false,
    ...overrides,
  };
}

const windows: OrderRow['window'][] = [
  { state: 'open', daysLeft: 1, closesAt: '2025-05-04T09:30:00.000Z' },
  { state: 'open', daysLeft: 42 },
  { state: 'passed', closedAt: '2025-01-01T08:00:00.000Z' },
  { state: 'notCancellable', reason: 'software_plan' },
  { state: 'cancelling' },
  { state: 'cancelled' },
];
const statuses: OrderRow['status'][] = ['completed', 'completed', 'completed', 'completed', 'cancel_pending', 'cancelled'];

/** A page of `n` orders with long product titles, cycling through every window state. */
export function orderRows(n: number): OrderRow[] {
  return Array.from({ length: n }, (_, i) => ({
    orderId: `ORD-2025-${String(100000 + i)}`,
    productTitle: `${'SQL Server 2019 Enterprise – 2 core licence pack with Software Assurance '.repeat(2)}${i}`,
    quantity: 1000 + i,
    status: statuses[i % 6]!,
    purchaseDate: `2025-0${1 + (i % 9)}-1${i % 10}`,
    window: windows[i % 6]!,
  }));
}

export function ordersScreen(overrides: Partial<OrdersScreen> = {}): OrdersScreen {
  return { kind: 'orders', customer: contoso, orders: orderRows(3), page: 1, totalPages: 1, ...overrides };
}

/** Every purchase screen in its variants, worst cases included. */
export function purchaseScreens(): Array<{ name: string; screen: Screen }> {
  return [
    { name: 'buyCustomer prompt', screen: customerScreen() },
    { name: 'buyCustomer many (10, long names, more)', screen: customerScreen({ query: 'Fabrikam', result: 'many', customers: manyCustomers, more: true }) },
    { name: 'buyCustomer none', screen: customerScreen({ query: 'Nonexistent GmbH', result: 'none' }) },
    { name: 'buyCustomer invalidGuid', screen: customerScreen({ query: '72f988bf-86f1-41af-91ab-2d7cd011db4', result: 'invalidGuid' }) },
    { name: 'buyCustomer none (very long query)', screen: customerScreen({ query: 'q'.repeat(2000), result: 'none' }) },
    { name: 'buyCustomer for orders', screen: customerScreen({ flow: 'orders', query: 'Contoso', result: 'many', customers: manyCustomers.slice(0, 2) }) },
    { name: 'buyProducts', screen: productsScreen() },
    {
      name: 'buyProducts (15 long, more, R3, searched, incl. tax, long customer)',
      screen: productsScreen({
        customer: longCustomer, products: fifteenProducts, more: true, taxNote: 'incl', search: 's'.repeat(500),
        kinds: ['server_subscription', 'perpetual_software', 'software_plan'], azureReservationsUnavailable: { listVersion: '2019-11-30' },
      }),
    },
    { name: 'buyProducts (filtered, none, R3 without version)', screen: productsScreen({ filterKind: 'software_plan', products: [], azureReservationsUnavailable: { listVersion: null } }) },
    { name: 'buySku (2 SKUs, AHB)', screen: skuScreen() },
    { name: 'buySku (1 SKU, software plan)', screen: skuScreen({ product: { productId: 'P2', title: 'SUSE Linux Enterprise Server', kind: 'software_plan', description: '', azureHybridBenefit: false }, skus: [skuOf(0)], cancellation: { cancellable: false, windowDays: null } }) },
    {
      name: 'buySku (10 SKUs, long, error, incl. tax)',
      screen: skuScreen({
        customer: longCustomer, taxNote: 'incl', skus: Array.from({ length: 10 }, (_, i) => skuOf(i, { title: `${LONG.slice(0, 140)} ${i}`, currency: 'BRL' })),
        product: { productId: 'P3', title: LONG, kind: 'perpetual_software', description: LONG.repeat(3), azureHybridBenefit: false },
        selectedSkuId: '0003', quantity: 2.5, quantityError: { reason: 'not_an_integer', min: 1, max: 1003 },
      }),
    },
    { name: 'buySku (no SKU in market)', screen: skuScreen({ skus: [] }) },
    { name: 'buyReview', screen: reviewScreen() },
    { name: 'buyReview (price changed, JPY incl., long customer)', screen: reviewScreen({ priceChanged: true, customer: longCustomer, currency: 'JPY', unitPriceMinor: 1234, totalMinor: 12340, taxNote: 'incl', cancellation: { cancellable: false, windowDays: null } }) },
    { name: 'buyConfirmed', screen: confirmedScreen() },
    { name: 'buyConfirmed (existing, not cancellable)', screen: confirmedScreen({ existing: true, cancellation: { state: 'notCancellable', reason: 'software_plan' } }) },
    { name: 'orders (3)', screen: ordersScreen() },
    { name: 'orders (20, long, middle page)', screen: ordersScreen({ customer: longCustomer, orders: orderRows(20), page: 2, totalPages: 5 }) },
    { name: 'orders (none)', screen: ordersScreen({ orders: [], totalPages: 0 }) },
    // At CARD_LIMITS, with more passed in than are shown: the largest cards the renderers can make.
    {
      name: 'buyCustomer many (beyond the limit)',
      screen: customerScreen({ query: 'q'.repeat(300), result: 'many', customers: Array.from({ length: 30 }, (_, i) => ({ ...manyCustomers[i % 10]!, id: `id-${i}` })), more: false }),
    },
    { name: 'buyProducts (beyond the limit)', screen: productsScreen({ customer: longCustomer, products: [...fifteenProducts, ...fifteenProducts], more: false, taxNote: 'incl', azureReservationsUnavailable: { listVersion: '2019-11-30' } }) },
    {
      name: 'buySku (beyond the limit)',
      screen: skuScreen({ customer: longCustomer, skus: Array.from({ length: 30 }, (_, i) => skuOf(i, { title: `${LONG.slice(0, 200)} ${i}` })), product: { productId: 'P4', title: LONG, kind: 'server_subscription', description: LONG.repeat(5), azureHybridBenefit: true }, quantityError: { reason: 'above_maximum', min: 1, max: 1000 } }),
    },
    { name: 'orders (beyond the limit)', screen: ordersScreen({ customer: longCustomer, orders: orderRows(40), page: 3, totalPages: 9 }) },
    { name: 'notice R3 refusal', screen: purchaseNotices.azureReservationUnavailable('Andorra', '2019-11-30') },
    { name: 'notice not sold in market', screen: purchaseNotices.notSoldInMarket('SQL Server 2019', 'Andorra') },
    { name: 'notice stale card', screen: purchaseNotices.staleCard() },
  ];
}

// --- cancel screens (R14–R20) -------------------------------------------------------------

/** Every state an order of the cancel flow can be in, each with when it last changed. */
const CANCEL_STATES: Array<Pick<CancellableOrderRow, 'window' | 'statusAt'>> = [
  { window: { state: 'open', daysLeft: 58, closesAt: '2025-05-04T09:30:00.000Z' }, statusAt: '2025-03-05T09:30:00.000Z' },
  { window: { state: 'passed', closedAt: '2025-01-01T08:00:00.000Z' }, statusAt: '2024-11-02T08:00:00.000Z' },
  { window: { state: 'notCancellable', reason: 'software_plan' }, statusAt: '2025-02-01T12:00:00.000Z' },
  { window: { state: 'cancelling' }, statusAt: '2025-03-07T14:03:00.000Z' },
  { window: { state: 'cancelled' }, statusAt: '2025-03-06T16:45:00.000Z' },
  { window: { state: 'open', daysLeft: 1, closesAt: '2025-03-08T10:00:00.000Z' }, statusAt: '2025-01-07T10:00:00.000Z' },
];

/** An order of the cancel flow: open, 58 days left, a full credit, unless overridden. */
export function cancelRow(i: number, over: Partial<CancellableOrderRow> = {}): CancellableOrderRow {
  return {
    orderId: `ORD-2025-${200000 + i}`,
    title: `Windows Server 2022 Datacenter – 16 core licence pack ${i}`,
    quantity: 10 + i,
    purchaseDate: '2025-03-05',
    ...CANCEL_STATES[0]!,
    credit: { amountMinor: 123456 + i, currency: 'EUR', policy: 'full' },
    ...over,
  };
}

/** `n` orders cycling through every state; only the open ones carry a credit. */
export function cancelRows(n: number, over: (i: number) => Partial<CancellableOrderRow> = () => ({})): CancellableOrderRow[] {
  return Array.from({ length: n }, (_, i) => {
    const state = CANCEL_STATES[i % CANCEL_STATES.length]!;
    const open = state.window.state === 'open';
    const { credit, ...rest } = cancelRow(i, { ...state, purchaseDate: `2025-0${1 + (i % 9)}-1${i % 10}`, ...over(i) });
    return open && credit ? { ...rest, credit } : rest;
  });
}

export function cancelPurchasesScreen(overrides: Partial<CancelPurchasesScreen> = {}): CancelPurchasesScreen {
  return {
    kind: 'cancelPurchases',
    customer: contoso,
    products: [
      { productId: 'DG7GMGF0FKZV', title: 'Windows Server 2022 Datacenter', orders: [cancelRow(0), cancelRow(1, { ...CANCEL_STATES[1]!, credit: undefined })] },
      { productId: 'DG7GMGF0D3SJ', title: 'SUSE Linux Enterprise Server', orders: [cancelRow(2, { ...CANCEL_STATES[2]!, title: 'SUSE Linux Enterprise Server', credit: undefined })] },
      {
        productId: 'DG7GMGF0DWQ1', title: 'SQL Server 2019 Standard',
        orders: [cancelRow(3, { ...CANCEL_STATES[3]!, credit: undefined }), cancelRow(4, { ...CANCEL_STATES[4]!, credit: undefined })],
      },
    ],
    ...overrides,
  };
}

/** More products than a card lists, each with more orders than it has room for, long titles, a long customer: the largest card. */
export function manyCancelProducts(products = 12, orders = 25): CancelPurchasesScreen['products'] {
  return Array.from({ length: products }, (_, p) => ({
    productId: `DG7GMGF0${String(p).padStart(4, '0')}`,
    title: `${LONG} ${p}`,
    orders: cancelRows(orders, (i) => ({ orderId: `ORD-2025-${String(p).padStart(2, '0')}${String(i).padStart(4, '0')}-${'X'.repeat(40)}`, quantity: 100000 + i })),
  }));
}

export function cancelNoticeForm(overrides: Partial<CancelNoticeFormScreen> = {}): CancelNoticeFormScreen {
  return {
    kind: 'cancelNoticeForm',
    customer: contoso,
    productId: 'DG7GMGF0FKZV',
    title: 'Windows Server 2022 Datacenter',
    options: [cancelRow(0)],
    noticeId: 'notice-7f3a2c',
    ...overrides,
  };
}

/** Three open subscription orders, each with its prorated credit. */
export const proratedOptions = [0, 1, 2].map((i) =>
  cancelRow(i, { window: { state: 'open', daysLeft: 58 - i * 20 }, credit: { amountMinor: 98765 - i * 10000, currency: 'EUR', policy: 'prorated' } }),
);

export function cancelSubmittedScreen(overrides: Partial<CancelSubmittedScreen> = {}): CancelSubmittedScreen {
  return {
    kind: 'cancelSubmitted',
    customer: contoso,
    orderId: 'ORD-2025-200000',
    title: 'Windows Server 2022 Datacenter – 16 core licence pack',
    creditMinor: 123456,
    currency: 'EUR',
    existing: false,
    ...overrides,
  };
}

export function cancellationFinishedScreen(overrides: Partial<CancellationFinishedScreen> = {}): CancellationFinishedScreen {
  return {
    kind: 'cancellationFinished',
    orderId: 'ORD-2025-200000',
    title: 'Windows Server 2022 Datacenter – 16 core licence pack',
    customerId: contoso.id,
    customerName: 'Contoso Ltd',
    creditMinor: 123456,
    currency: 'EUR',
    keysRevoked: 3,
    linksRevoked: 2,
    ...overrides,
  };
}

export function cancellationFailedScreen(overrides: Partial<CancellationFailedScreen> = {}): CancellationFailedScreen {
  return {
    kind: 'cancellationFailed',
    cancellationId: '5b0c6f7e-3d1a-4e2b-9c8d-7a6b5c4d3e2f',
    orderId: 'ORD-2025-200000',
    title: 'Windows Server 2022 Datacenter – 16 core licence pack',
    customerId: contoso.id,
    customerName: 'Contoso Ltd',
    reason: 'failed',
    code: '900117',
    ...overrides,
  };
}

export function cancellationDelayedScreen(overrides: Partial<CancellationDelayedScreen> = {}): CancellationDelayedScreen {
  return {
    kind: 'cancellationDelayed',
    cancellationId: '41',
    orderId: 'ORD-2025-200000',
    title: 'Windows Server 2022 Datacenter – 16 core licence pack',
    customerId: contoso.id,
    customerName: 'Contoso Ltd',
    minutes: 60,
    ...overrides,
  };
}

export const CANCELLATION_FAILURES: ReadonlyArray<CancellationFailedScreen['reason']> = ['window_passed', 'not_cancellable', 'not_found', 'failed', 'needs_information', 'timed_out'];

/** Every screen of the cancel flow in its variants, worst cases included. */
export function cancelScreens(): Array<{ name: string; screen: Screen }> {
  return [
    { name: 'buyCustomer for cancel', screen: customerScreen({ flow: 'cancel', query: 'Fabrikam', result: 'many', customers: manyCustomers }) },
    { name: 'cancelPurchases', screen: cancelPurchasesScreen() },
    { name: 'cancelPurchases (none)', screen: cancelPurchasesScreen({ products: [] }) },
    { name: 'cancelPurchases (beyond the limits, long)', screen: cancelPurchasesScreen({ customer: longCustomer, products: manyCancelProducts() }) },
    { name: 'cancelPurchases (one product, beyond the order limit)', screen: cancelPurchasesScreen({ products: manyCancelProducts(1, 40) }) },
    { name: 'cancelNoticeForm (one order)', screen: cancelNoticeForm() },
    { name: 'cancelNoticeForm (several, prorated, acknowledgement missing)', screen: cancelNoticeForm({ options: proratedOptions, selectedOrderId: proratedOptions[1]!.orderId, acknowledgementMissing: true }) },
    {
      name: 'cancelNoticeForm (beyond the limit, long)',
      screen: cancelNoticeForm({
        customer: longCustomer, title: LONG,
        options: Array.from({ length: 30 }, (_, i) => cancelRow(i, { orderId: `ORD-2025-${i}-${'Y'.repeat(50)}`, title: LONG, credit: { amountMinor: 999999999 + i, currency: 'BRL', policy: 'mixed' } })),
      }),
    },
    { name: 'cancelSubmitted', screen: cancelSubmittedScreen() },
    { name: 'cancelSubmitted (existing, long)', screen: cancelSubmittedScreen({ existing: true, customer: longCustomer, title: LONG, currency: 'BRL' }) },
    { name: 'cancellationFinished', screen: cancellationFinishedScreen() },
    { name: 'cancellationFinished (one key, one link, JPY)', screen: cancellationFinishedScreen({ keysRevoked: 1, linksRevoked: 1, currency: 'JPY', creditMinor: 12340 }) },
    { name: 'cancellationDelayed', screen: cancellationDelayedScreen() },
    { name: 'cancellationDelayed (long)', screen: cancellationDelayedScreen({ title: LONG, customerName: LONG, orderId: 'Y'.repeat(64) }) },
    ...CANCELLATION_FAILURES.map((reason) => ({ name: `cancellationFailed ${reason}`, screen: cancellationFailedScreen({ reason, ...(reason === 'timed_out' ? { followedMinutes: 10_140, code: null } : {}) }) })),
    { name: 'cancellationFailed (timed out, no deadline, long)', screen: cancellationFailedScreen({ reason: 'timed_out', title: LONG, customerName: LONG, code: 'c'.repeat(300) }) },
  ];
}

// --- support requests (R20, R21) ----------------------------------------------------------

/** What the bot knows of order ORD-2025-200000: a cancellation refused after its window. */
export function supportFacts(over: Partial<SupportFactsView> = {}): SupportFactsView {
  return {
    customerName: 'Contoso Ltd',
    customerTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    customerDomain: 'contoso.onmicrosoft.com',
    orderId: 'ORD-2025-200000',
    productTitle: 'Windows Server 2022 Datacenter – 16 core licence pack',
    purchaseDate: '2025-03-05',
    currency: 'EUR',
    orderTotalMinor: 342000,
    cancellation: { reason: 'window_passed', code: '900117' },
    ...over,
  };
}

const MB = 1024 * 1024;
/** A desk's limits; the description's is above what a Slack input takes (3000). */
export const supportLimits: SupportLimitsView = { titleMax: 150, descriptionMax: 5000, refundReasonMax: 1000, maxFiles: 5, maxFileBytes: 10 * MB, fileTypes: ['pdf', 'png', 'jpg', 'txt'] };

export function supportValues(over: Partial<SupportFormValues> = {}): SupportFormValues {
  return {
    impact: 'moderate',
    title: 'Refund for order ORD-2025-200000',
    description: 'The customer asked to cancel on day 70; Partner Center refused (900117).',
    refundReason: 'Bought by mistake: the customer already had the licences.',
    amount: '3,420.00',
    contactName: 'Ada Lovelace',
    contactEmail: 'ada@contoso.example',
    contactPhone: '+49 30 1234567',
    ...over,
  };
}

export function supportForm(over: Partial<SupportFormScreen> = {}): SupportFormScreen {
  return {
    kind: 'supportForm',
    draftId: 'draft-5c1e',
    facts: supportFacts(),
    values: supportValues(),
    errors: {},
    limits: supportLimits,
    files: [],
    refusedFiles: [],
    filesBy: 'chat',
    ...over,
  };
}

export function supportStartScreen(over: Partial<SupportStartScreen> = {}): SupportStartScreen {
  return {
    kind: 'supportStart',
    candidates: [
      { orderId: 'ORD-2025-200000', title: 'Windows Server 2022 Datacenter – 16 core licence pack', customerName: 'Contoso Ltd', reason: 'window_passed', at: '2025-05-20T09:15:00.000Z' },
      { orderId: 'ORD-2025-200007', title: 'SQL Server 2022 Standard', customerName: 'Fabrikam GmbH', reason: 'needs_information', at: '2025-05-18T16:40:00.000Z' },
    ],
    hasRequests: true,
    ...over,
  };
}

export function supportReviewScreen(over: Partial<SupportReviewScreen> = {}): SupportReviewScreen {
  return {
    kind: 'supportReview',
    reviewId: 'review-8a2f',
    facts: supportFacts(),
    impact: 'moderate',
    title: 'Refund for order ORD-2025-200000',
    description: 'The customer asked to cancel on day 70; Partner Center refused (900117).',
    refundReason: 'Bought by mistake: the customer already had the licences.',
    amountMinor: 342000,
    contact: { name: 'Ada Lovelace', email: 'ada@contoso.example', phone: '+49 30 1234567' },
    files: [{ name: 'invoice-2025-03.pdf', sizeBytes: 1_258_291 }, { name: 'screenshot.png', sizeBytes: 348_160 }],
    refusedFiles: [],
    desk: 'embedded',
    ...over,
  };
}

export function supportSubmittedScreen(over: Partial<SupportSubmittedScreen> = {}): SupportSubmittedScreen {
  return { kind: 'supportSubmitted', requestId: '42', orderId: 'ORD-2025-200000', existing: false, ...over };
}

type SupportRow = SupportListScreen['requests'][number];

export function supportRow(i: number, over: Partial<SupportRow> = {}): SupportRow {
  return {
    requestId: String(42 - i),
    orderId: `ORD-2025-${200000 + i}`,
    title: 'Windows Server 2022 Datacenter – 16 core licence pack',
    customerName: 'Contoso Ltd',
    status: 'filed',
    ticketNumber: `CSP-${String(42 - i).padStart(6, '0')}`,
    ticketUrl: `https://desk.example.com/tickets/${42 - i}`,
    requestedAt: '2025-05-20T09:15:00.000Z',
    statusAt: '2025-05-20T09:16:00.000Z',
    ...over,
  };
}

export function supportListScreen(over: Partial<SupportListScreen> = {}): SupportListScreen {
  return {
    kind: 'supportList',
    requests: [
      supportRow(0, { status: 'queued', ticketNumber: null, ticketUrl: null }),
      supportRow(1),
      supportRow(2, { status: 'failed', ticketNumber: null, ticketUrl: null }),
      supportRow(3, { ticketUrl: null }),
    ],
    ...over,
  };
}

export function supportFiledScreen(over: Partial<SupportFiledScreen> = {}): SupportFiledScreen {
  return {
    kind: 'supportFiled', requestId: '42', orderId: 'ORD-2025-200000', title: 'Windows Server 2022 Datacenter – 16 core licence pack', ticketNumber: 'CSP-000042',
    ticketUrl: 'https://desk.example.com/tickets/42', ...over,
  };
}

export function supportFailedScreen(over: Partial<SupportFailedScreen> = {}): SupportFailedScreen {
  return { kind: 'supportFailed', requestId: '42', orderId: 'ORD-2025-200000', title: 'Windows Server 2022 Datacenter – 16 core licence pack', reason: 'unavailable', ...over };
}

export const SUPPORT_FAILURES: ReadonlyArray<SupportFailedScreen['reason']> = ['unauthorized', 'rejected', 'unavailable'];

/** Text at the length a field takes, in two-byte characters (the worst case of a German text for the 28 KB). */
export const umlauts = (n: number): string => 'Ä'.repeat(n);

/** Every support screen in its variants, worst cases included. */
export function supportScreens(): Array<{ name: string; screen: Screen }> {
  const manyFiles = Array.from({ length: 30 }, (_, i) => ({ name: `${'scan-'.repeat(40)}${i}.pdf`, sizeBytes: 9 * MB + i }));
  return [
    { name: 'supportStart', screen: supportStartScreen() },
    { name: 'supportStart (none, no requests)', screen: supportStartScreen({ candidates: [], hasRequests: false }) },
    {
      name: 'supportStart (beyond the limit, long)',
      screen: supportStartScreen({
        candidates: Array.from({ length: 15 }, (_, i) => ({ orderId: `ORD-${i}-${'Y'.repeat(60)}`, title: LONG, customerName: LONG, reason: 'timed_out' as const, at: '2025-05-20T09:15:00.000Z' })),
      }),
    },
    { name: 'supportForm', screen: supportForm() },
    {
      name: 'supportForm (every error, JPY, no domain, no cancellation, files refused, group chat)',
      screen: supportForm({
        facts: supportFacts({ currency: 'JPY', orderTotalMinor: 1234567, customerDomain: null, cancellation: null }),
        values: supportValues({ impact: '', title: '', amount: '12.5', contactEmail: 'ada@', contactPhone: '030 123' }),
        errors: { impact: 'required', title: 'required', description: 'tooLong', refundReason: 'tooLong', amount: 'tooPrecise', contactName: 'tooLong', contactEmail: 'invalid', contactPhone: 'invalid' },
        files: [{ name: 'invoice.pdf', sizeBytes: 1_258_291 }],
        refusedFiles: [{ name: 'setup.exe', reason: 'type' }, { name: 'dump.zip', reason: 'tooLarge' }, { name: 'sixth.pdf', reason: 'tooMany' }, { name: 'broken.pdf', reason: 'unreadable' }],
        filesBy: 'none',
      }),
    },
    {
      name: 'supportForm (Slack, every value at its longest, long facts, 30 files each)',
      screen: supportForm({
        facts: supportFacts({ customerName: LONG, customerDomain: `${'sub.'.repeat(60)}example.com`, productTitle: LONG, orderId: 'Y'.repeat(120), cancellation: { reason: 'needs_information', code: 'c'.repeat(300) } }),
        values: supportValues({
          title: umlauts(150), description: umlauts(5000), refundReason: umlauts(1000), amount: umlauts(60), contactName: umlauts(300), contactEmail: umlauts(300), contactPhone: umlauts(60),
        }),
        errors: { amount: 'notANumber', contactName: 'required' },
        files: manyFiles,
        refusedFiles: manyFiles.map((f) => ({ name: f.name, reason: 'tooLarge' as const })),
        filesBy: 'modal',
      }),
    },
    { name: 'supportReview', screen: supportReviewScreen() },
    {
      name: 'supportReview (files refused)',
      screen: supportReviewScreen({
        refusedFiles: [{ name: 'setup.exe', reason: 'type' }, { name: 'dump.zip', reason: 'tooLarge' }, { name: 'sixth.pdf', reason: 'tooMany' }, { name: 'broken.pdf', reason: 'unreadable' }],
      }),
    },
    { name: 'supportReview (Zendesk, no phone, no files, no cancellation)', screen: supportReviewScreen({ desk: 'zendesk', contact: { name: 'Ada Lovelace', email: 'ada@contoso.example', phone: '' }, files: [], facts: supportFacts({ cancellation: null }) }) },
    {
      name: 'supportReview (long)',
      screen: supportReviewScreen({
        facts: supportFacts({ customerName: LONG, productTitle: LONG, customerDomain: `${'sub.'.repeat(60)}example.com`, cancellation: { reason: 'failed', code: 'c'.repeat(300) } }),
        title: umlauts(400), description: umlauts(10_000), refundReason: umlauts(5000),
        contact: { name: umlauts(300), email: umlauts(300), phone: umlauts(300) },
        files: Array.from({ length: 30 }, (_, i) => ({ name: `${'scan-'.repeat(40)}${i}.pdf`, sizeBytes: 9 * MB })),
        refusedFiles: Array.from({ length: 30 }, (_, i) => ({ name: `${umlauts(200)}${i}.pdf`, reason: 'unreadable' as const })),
        desk: 'x'.repeat(300),
      }),
    },
    { name: 'supportSubmitted', screen: supportSubmittedScreen() },
    { name: 'supportSubmitted (existing, long)', screen: supportSubmittedScreen({ existing: true, requestId: '9'.repeat(200), orderId: 'Y'.repeat(200) }) },
    { name: 'supportList', screen: supportListScreen() },
    { name: 'supportList (none)', screen: supportListScreen({ requests: [] }) },
    {
      name: 'supportList (beyond the limit, long)',
      screen: supportListScreen({
        requests: Array.from({ length: 25 }, (_, i) => supportRow(i, {
          status: (['queued', 'filed', 'failed'] as const)[i % 3]!, title: LONG, customerName: LONG, orderId: `ORD-${i}-${'Y'.repeat(80)}`,
          ticketNumber: 'T'.repeat(200), ticketUrl: `https://desk.example.com/${'p/'.repeat(135)}${i}`,
        })),
      }),
    },
    { name: 'supportFiled', screen: supportFiledScreen() },
    { name: 'supportFiled (no link, long)', screen: supportFiledScreen({ ticketUrl: null, title: LONG, ticketNumber: 'T'.repeat(300), orderId: 'Y'.repeat(200) }) },
    ...SUPPORT_FAILURES.map((reason) => ({ name: `supportFailed ${reason}`, screen: supportFailedScreen({ reason }) })),
    { name: 'supportFailed (long)', screen: supportFailedScreen({ title: LONG, requestId: '9'.repeat(200), orderId: 'Y'.repeat(200) }) },
  ];
}

export function allScreens(channel: Channel): Array<{ name: string; screen: Screen }> {
  return [
    { name: 'help (all commands)', screen: { kind: 'help', commands: helpCommands(), channel } },
    { name: 'help (no commands)', screen: { kind: 'help', commands: [], channel } },
    { name: 'welcome (named)', screen: { kind: 'welcome', displayName: 'Ada Lovelace' } },
    { name: 'welcome (anonymous)', screen: { kind: 'welcome', displayName: null } },
    {
      name: 'whoami',
      screen: { kind: 'whoami', displayName: 'Ada Lovelace', partnerName: 'Contoso Ltd', roles: ['admin_agent', 'global_admin'], channel },
    },
    { name: 'whoami (no roles, no name)', screen: { kind: 'whoami', displayName: null, partnerName: 'Contoso Ltd', roles: [], channel } },
    { name: 'notice unknownCommand', screen: notices.unknownCommand('frobnicate') },
    { name: 'notice partnerNotOnboarded', screen: notices.partnerNotOnboarded('72f988bf-86f1-41af-91ab-2d7cd011db47') },
    { name: 'notice forbidden', screen: notices.forbidden(['admin_agent', 'global_admin']) },
    { name: 'notice invalidSubmit', screen: notices.invalidSubmit() },
    { name: 'notice messageTooLong', screen: notices.messageTooLong(4000) },
    { name: 'notice comingSoon', screen: notices.comingSoon('buy') },
    { name: 'notice error', screen: notices.error('c0ffee00-1234') },
    { name: 'notice cancelled', screen: notices.cancelled() },
    { name: 'rolesUsers (full page, middle)', screen: { kind: 'rolesUsers', users, offset: 10, total: 35, pageSize: 10, search: null } },
    { name: 'rolesUsers (none, searched)', screen: { kind: 'rolesUsers', users: [], offset: 0, total: 0, pageSize: 10, search: 'zz' } },
    { name: 'rolesUser', screen: { kind: 'rolesUser', user: ada, allRoles: ROLES } },
    { name: 'rolesUser (no name, no roles)', screen: { kind: 'rolesUser', user: { id: 3, displayName: null, roles: [] }, allRoles: ROLES } },
    { name: 'rolesConfirm grant', screen: { kind: 'rolesConfirm', user: ada, role: 'billing_admin', grant: true } },
    { name: 'rolesConfirm revoke', screen: { kind: 'rolesConfirm', user: ada, role: 'global_admin', grant: false } },
    {
      name: 'notice with two actions of one command',
      screen: {
        kind: 'notice', tone: 'info', messageKey: 'notice.cancelled',
        actions: [{ labelKey: 'action.help', data: act.command('help') }, { labelKey: 'action.help', data: act.command('help') }],
      },
    },
    ...purchaseScreens(),
    ...cancelScreens(),
    ...supportScreens(),
  ];
}
