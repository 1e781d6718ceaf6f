/**
 * `buy [customer] [product]` (R1–R7): customer → product → SKU and quantity → review →
 * confirm → order id. The customer is the shared customer step (a child dialog); each later
 * step waits for one of this flow's typed card actions (dialogs/actions.ts) or typed text where
 * it asks for it; `help` and `cancel` work at every step (dialogs/runner.ts). The purchase being
 * built lives in the persisted dialog state — card data only ever picks among what the step
 * showed, and prices and totals always come from the service.
 *
 * Exactly once (R7): a confirm's idempotency key is this flow's id plus the number of the
 * review shown, so a double press, a Teams resend or a Slack retry of the same card
 * answers with the same order; after a price change the user sees a new review (a new
 * key). After the order, the flow stays open (finished) to answer a repeated Confirm
 * from its state.
 */
import { randomUUID } from 'node:crypto';
import { Dialog, DialogReason, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import type { BuyAction } from '../cards/actions.js';
import { notices, quantityModalModel, type BuyConfirmedScreen, type BuyReviewScreen, type QuantityError } from '../cards/index.js';
import { PRODUCT_KINDS, type ProductKind } from '../services/commerce/types.js';
import type { CustomerDirectory } from '../services/customers/directory.js';
import { isPurchaseError } from '../services/purchase/errors.js';
import { purchaseIdempotencyKey, type PurchaseService, type Quote } from '../services/purchase/purchase-service.js';
import { assertNever, parseBuyAction } from './actions.js';
import { CUSTOMER_STEP, type CustomerStepOptions, type CustomerStepResult } from './customer-step.js';
import { submitted, typedText } from './input.js';
import { cancellationTerms, customerSummary, productOptions, skuScreen } from './purchase-views.js';
import { orRefuse, refusalNotice } from './refusals.js';
import { expectText, finishFlow } from './runner.js';
import { requireActor, show } from './ui.js';

export const BUY_DIALOG = 'buy';

const STEP = { customer: 'customer', product: 'product', sku: 'sku', review: 'review', done: 'done' } as const;
type Step = (typeof STEP)[keyof typeof STEP];

/** What the flow remembers between turns (persisted with the dialog state). */
export interface BuyState {
  step: Step;
  /** Random per flow: with `review` it makes the confirm's idempotency key. */
  flowId: string;
  review: number;
  customerId?: string;
  kind?: ProductKind | null;
  search?: string | null;
  /** A product named in the command itself: go straight to it when the search finds exactly one. */
  namedProduct?: boolean;
  /** The kind filters shown with the unfiltered list, kept so a filtered card shows the same buttons in the same order. */
  kinds?: ProductKind[];
  productId?: string;
  /** The purchase shown on the current review card. */
  pending?: { skuId: string; skuTitle: string; productTitle: string; quantity: number; fingerprint: string; reviewId: string };
  /** After the order: the review that bought it and the answer, to answer a repeated Confirm. */
  bought?: { reviewId: string; screen: BuyConfirmedScreen };
}

type SkuExtra = { selectedSkuId: string | null; quantity: number | null; quantityError: QuantityError | null };
const NO_SKU_YET: SkuExtra = { selectedSkuId: null, quantity: null, quantityError: null };

/** Which steps each action belongs to: anywhere else it is a card of another step (stale). */
const STEPS_OF: { [A in BuyAction['action']]: readonly Step[] } = {
  'buy.kind': [STEP.product],
  'buy.productSearch': [STEP.product],
  'buy.searchProducts': [STEP.product],
  'buy.product': [STEP.product, STEP.sku],
  'buy.sku': [STEP.sku],
  'buy.review': [STEP.sku],
  'buy.confirm': [STEP.review, STEP.done],
};

/**
 * What follows `buy`: `<product> for <customer>`, a customer (name, tenant id or domain)
 * optionally followed by a product search when the customer is a domain or tenant id.
 */
export function parseBuyArgs(args: string): { customer: string | null; product: string | null } {
  const text = args.trim();
  if (!text) return { customer: null, product: null };
  const forMatch = /^(.+?)\s+(?:for|für)\s+(.+)$/i.exec(text);
  if (forMatch) return { product: forMatch[1]!.trim(), customer: forMatch[2]!.trim() };
  const [first = '', ...rest] = text.split(/\s+/);
  if (rest.length && (/^[0-9a-f-]{32,36}$/i.test(first) || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(first))) {
    return { customer: first, product: rest.join(' ') };
  }
  return { customer: text, product: null };
}

export class BuyDialog extends Dialog<{ args?: string }> {
  constructor(
    private readonly purchases: PurchaseService,
    private readonly customers: CustomerDirectory,
  ) {
    super(BUY_DIALOG);
  }

  override async beginDialog(dc: DialogContext, options?: { args?: string }): Promise<DialogTurnResult> {
    const state: BuyState = { step: STEP.customer, flowId: randomUUID(), review: 0 };
    dc.activeDialog!.state = state;
    const { customer, product } = parseBuyArgs(options?.args ?? '');
    if (product) {
      state.search = product;
      state.namedProduct = true;
    }
    // Step 1, the customer (R1): the shared step, which ends in resumeDialog.
    return dc.beginDialog(CUSTOMER_STEP, { flow: 'buy', query: customer } satisfies CustomerStepOptions);
  }

  override async resumeDialog(dc: DialogContext, _reason: DialogReason, result?: CustomerStepResult): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as BuyState;
    if (!result?.customer) return dc.endDialog();
    state.customerId = result.customer.id;
    return this.showProducts(dc, state);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as BuyState;
    // A purchase saved at its customer step before that step was a dialog of its own: begin it now, with this turn.
    if (state.step === STEP.customer) return dc.beginDialog(CUSTOMER_STEP, { flow: 'buy', answerThisTurn: true } satisfies CustomerStepOptions);
    const submit = submitted(dc.context);
    const action = submit ? parseBuyAction(submit) : null;
    if (!action || !STEPS_OF[action.action].includes(state.step)) {
      // Typed text where the product step asked for it is a product search.
      const typed = submit ? null : typedText(dc.context);
      if (typed && state.step === STEP.product) return this.search(dc, state, typed);
      return this.stale(dc, state);
    }
    // A card of another customer's purchase (an older one) must not act on this one.
    if ('customerId' in action && action.customerId !== undefined && action.customerId !== state.customerId) return this.stale(dc, state);
    switch (action.action) {
      case 'buy.kind':
        state.kind = action.kind === 'all' ? null : action.kind;
        return this.showProducts(dc, state);
      case 'buy.productSearch':
        return this.search(dc, state, action.search ?? null);
      case 'buy.searchProducts': {
        const customer = await orRefuse(dc.context, () => this.customers.get(requireActor(dc.context), 'buy', state.customerId!));
        if (!customer) return dc.endDialog();
        await show(dc.context, { kind: 'productSearchForm', customer: customerSummary(customer) });
        expectText(dc.context);
        return Dialog.EndOfTurn;
      }
      case 'buy.product':
        state.productId = action.productId;
        return this.showSku(dc, state, NO_SKU_YET);
      case 'buy.sku':
        // A SKU of another product's card (an older one) does not fit this step.
        if (action.productId !== state.productId) return this.stale(dc, state);
        return this.askQuantity(dc, state, action.skuId);
      case 'buy.review':
        if (action.productId !== state.productId || !action.skuId) return this.stale(dc, state);
        return this.showReview(dc, state, action.skuId, action.quantity ?? '', false);
      case 'buy.confirm':
        return this.onConfirm(dc, state, action.reviewId);
      default:
        return assertNever(action);
    }
  }

  /** A card or text that does not fit the step: say so, and show the step again (nothing was changed). */
  private async stale(dc: DialogContext, state: BuyState): Promise<DialogTurnResult> {
    await show(dc.context, notices.invalidSubmit());
    switch (state.step) {
      case STEP.product:
        return this.showProducts(dc, state);
      case STEP.sku:
        return this.showSku(dc, state, NO_SKU_YET);
      case STEP.done:
        finishFlow(dc.context);
        return Dialog.EndOfTurn;
      case STEP.customer:
      case STEP.review:
        return Dialog.EndOfTurn;
    }
  }

  // --- step 2: the product (R2, R3) -----------------------------------------------------

  /** A product search looks in every kind: a filter left on would hide what was asked for. No text clears the search. */
  private search(dc: DialogContext, state: BuyState, search: string | null): Promise<DialogTurnResult> {
    state.search = search?.trim().slice(0, 200) || null;
    state.kind = null;
    return this.showProducts(dc, state);
  }

  private async showProducts(dc: DialogContext, state: BuyState): Promise<DialogTurnResult> {
    state.step = STEP.product;
    const kind = state.kind ?? undefined;
    const search = state.search ?? undefined;
    const offers = await orRefuse(dc.context, () => this.purchases.offersFor(requireActor(dc.context), state.customerId!, { ...(kind ? { kind } : {}), ...(search ? { search } : {}) }));
    if (!offers) return dc.endDialog();
    const products = productOptions(offers);
    // Named in the command and unambiguous: go straight to it (only then — a search on the
    // product card always shows the list).
    const named = state.namedProduct === true;
    state.namedProduct = false;
    if (named && search && products.length === 1) {
      state.productId = products[0]!.productId;
      return this.showSku(dc, state, NO_SKU_YET);
    }
    // Filters: the kinds the market sells, as the unfiltered list found them — kept, so a filtered
    // card shows the same buttons in the same place (they moved under the pointer); before any
    // unfiltered list, every kind the market may buy (R3), without asking the catalog a second time.
    if (!kind && !search) state.kinds = offers.groups.map((g) => g.kind);
    const kinds = state.kinds ?? PRODUCT_KINDS.filter((k) => k !== 'azure_reservation' || !offers.azureReservationsUnavailable);
    await show(dc.context, {
      kind: 'buyProducts',
      customer: customerSummary(offers.customer),
      filterKind: offers.kind,
      search: offers.search,
      kinds,
      products: products.slice(0, 15),
      more: products.length > 15,
      taxNote: offers.customer.taxNote,
      azureReservationsUnavailable: offers.azureReservationsUnavailable ? { listVersion: offers.reservationListVersion, matched: offers.reservationsHidden } : null,
    });
    expectText(dc.context);
    return Dialog.EndOfTurn;
  }

  // --- step 3: SKU and quantity (R2, R4, R5) -------------------------------------------

  private async showSku(dc: DialogContext, state: BuyState, extra: SkuExtra): Promise<DialogTurnResult> {
    const found = await orRefuse(dc.context, () => this.purchases.offer(requireActor(dc.context), state.customerId!, state.productId!));
    if (!found) {
      // E.g. an Azure reservation for a customer in an unavailable market (R3): back to the products.
      state.productId = undefined;
      return this.showProducts(dc, state);
    }
    state.step = STEP.sku;
    await show(dc.context, skuScreen(found.customer, found.offer, extra));
    return Dialog.EndOfTurn;
  }

  /** One SKU chosen (Slack's SKU buttons): its quantity, as a form — a modal on Slack. */
  private async askQuantity(dc: DialogContext, state: BuyState, skuId: string): Promise<DialogTurnResult> {
    const found = await orRefuse(dc.context, () => this.purchases.offer(requireActor(dc.context), state.customerId!, state.productId!));
    if (!found) return this.showProducts(dc, state);
    const model = quantityModalModel(skuScreen(found.customer, found.offer, NO_SKU_YET), skuId);
    if (!model) {
      await show(dc.context, notices.invalidSubmit());
      return Dialog.EndOfTurn;
    }
    await show(dc.context, { kind: 'quantityForm', ...model });
    return Dialog.EndOfTurn;
  }

  // --- steps 4–5: review and confirm (R6, R7) -------------------------------------------

  private async showReview(dc: DialogContext, state: BuyState, skuId: string, quantity: string | number, priceChanged: boolean, quote?: Quote): Promise<DialogTurnResult> {
    let q = quote;
    if (!q) {
      try {
        q = await this.purchases.quote(requireActor(dc.context), { customerId: state.customerId!, productId: state.productId!, skuId, quantity });
      } catch (err) {
        if (isPurchaseError(err, 'invalid_quantity')) {
          const r = err.refusal;
          const asNumber = Number(quantity);
          return this.showSku(dc, state, { selectedSkuId: skuId, quantity: Number.isFinite(asNumber) ? asNumber : null, quantityError: { reason: r.reason, min: r.min, max: r.max } });
        }
        await show(dc.context, refusalNotice(err));
        return this.showProducts(dc, state);
      }
    }
    state.review += 1;
    // Bound to this flow: a Confirm on a card of an earlier (cancelled or finished) purchase
    // can never match the purchase under review now.
    const reviewId = `${state.flowId}.${state.review}`;
    state.pending = { skuId: q.sku.skuId, skuTitle: q.sku.title, productTitle: q.product.title, quantity: q.quantity, fingerprint: q.priceFingerprint, reviewId };
    state.step = STEP.review;
    const screen: BuyReviewScreen = {
      kind: 'buyReview',
      customer: customerSummary(q.customer),
      productTitle: q.product.title,
      skuTitle: q.sku.title,
      term: q.sku.term,
      billing: q.sku.billing,
      quantity: q.quantity,
      unitPriceMinor: q.unitPriceMinor,
      totalMinor: q.totalMinor,
      currency: q.currency,
      taxNote: q.taxNote,
      cancellation: cancellationTerms(q.product.cancellation),
      priceChanged,
      reviewId,
    };
    await show(dc.context, screen);
    // While the user reads the card: the backend does ahead what it can of this purchase (Partner Center: its cart).
    // Not awaited — the turn ends and its state is saved now, so a Confirm pressed meanwhile finds the review (and
    // then waits for the cart). `prepare` never throws.
    void this.purchases.prepare(requireActor(dc.context), {
      customerId: state.customerId!, productId: state.productId!, skuId: q.sku.skuId, quantity: q.quantity, priceFingerprint: q.priceFingerprint,
      idempotencyKey: purchaseIdempotencyKey(state.flowId, state.review),
    });
    return Dialog.EndOfTurn;
  }

  /** Confirm of the review shown buys; after the order, a repeated Confirm of the same card answers with it. */
  private onConfirm(dc: DialogContext, state: BuyState, reviewId: string): Promise<DialogTurnResult> {
    if (state.step === STEP.review && reviewId === state.pending?.reviewId) return this.confirm(dc, state, state.pending);
    if (state.step === STEP.done && state.bought && reviewId === state.bought.reviewId) return this.answerAgain(dc, state.bought.screen);
    // An older review card: nothing is bought.
    return this.stale(dc, state);
  }

  private async confirm(dc: DialogContext, state: BuyState, pending: NonNullable<BuyState['pending']>): Promise<DialogTurnResult> {
    const result = await orRefuse(dc.context, () =>
      this.purchases.confirm(requireActor(dc.context), {
        customerId: state.customerId!,
        productId: state.productId!,
        skuId: pending.skuId,
        quantity: pending.quantity,
        priceFingerprint: pending.fingerprint,
        idempotencyKey: purchaseIdempotencyKey(state.flowId, state.review),
      }),
    );
    if (!result) return dc.endDialog();
    if (result.status === 'priceChanged') return this.showReview(dc, state, pending.skuId, pending.quantity, true, result.quote);
    const o = result.order;
    const screen: BuyConfirmedScreen = {
      kind: 'buyConfirmed',
      orderId: o.orderId,
      customer: customerSummary(result.customer),
      productTitle: pending.productTitle,
      skuTitle: pending.skuTitle,
      quantity: o.quantity,
      totalMinor: o.totalMinor,
      currency: o.currency,
      taxNote: o.taxNote,
      purchaseDate: o.purchaseDate,
      cancellation: o.cancellation,
      existing: result.status === 'existing',
    };
    state.step = STEP.done;
    state.bought = { reviewId: pending.reviewId, screen };
    await show(dc.context, screen, { keep: true });
    finishFlow(dc.context);
    return Dialog.EndOfTurn;
  }

  private async answerAgain(dc: DialogContext, screen: BuyConfirmedScreen): Promise<DialogTurnResult> {
    await show(dc.context, { ...screen, existing: true });
    finishFlow(dc.context);
    return Dialog.EndOfTurn;
  }
}
