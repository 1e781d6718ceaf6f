/**
 * `buy [customer] [product]` (R1–R7): customer → product → SKU and quantity → review →
 * confirm → order id. Each step waits for a card submit (or typed text where it asks for
 * it); `help` and `cancel` work at every step (dialogs/runner.ts). The purchase being
 * built lives in the persisted dialog state — card data only ever picks among what the
 * step showed, and prices and totals always come from the service.
 *
 * Exactly once (R7): a confirm's idempotency key is this flow's id plus the number of the
 * review shown, so a double press, a Teams resend or a Slack retry of the same card
 * answers with the same order; after a price change the user sees a new review (a new
 * key). After the order, the flow stays open (finished) to answer a repeated Confirm
 * from its state.
 */
import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { buyQuantityModal, quantityModalModel, type BuyConfirmedScreen, type BuyReviewScreen, type QuantityError } from '../cards/index.js';
import { buySearchModal, buyProductSearchModal } from '../cards/buy.slack.js';
import { notices } from '../cards/index.js';
import { PRODUCT_KINDS, type ProductKind } from '../services/commerce/types.js';
import { isPurchaseError } from '../services/purchase/errors.js';
import type { CustomerDirectory } from '../services/customers/directory.js';
import { purchaseIdempotencyKey, type PurchaseService, type Quote } from '../services/purchase/purchase-service.js';
import { parseTurnInput } from './input.js';
import { cancellationTerms, customerSummary, productOptions, skuScreen } from './purchase-views.js';
import { orRefuse, refusalNotice } from './refusals.js';
import { expectText, finishFlow } from './runner.js';
import { askCustomer, customerQuery, searchCustomer } from './customer-step.js';
import { isSlack, localeOf, openSlackModal, requireActor, show } from './ui.js';

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
  productId?: string;
  /** The purchase shown on the current review card. */
  pending?: { skuId: string; skuTitle: string; productTitle: string; quantity: number; fingerprint: string; reviewId: string };
  /** After the order: the review that bought it and the answer, to answer a repeated Confirm. */
  bought?: { reviewId: string; screen: BuyConfirmedScreen };
}

type Submit = { action: string; data: Record<string, string | number | boolean> } | null;

function submitOf(ctx: TurnContext): Submit {
  const input = parseTurnInput(ctx.activity);
  return input.kind === 'submit' ? { action: input.action, data: input.data } : null;
}

/** Typed text of this turn (the step asked for it), or null. */
function typedOf(ctx: TurnContext): string | null {
  const input = parseTurnInput(ctx.activity);
  if (input.kind !== 'command') return null;
  return `${input.name} ${input.args}`.trim() || null;
}

function str(v: unknown, max = 200): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, max) : null;
}

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
    if (!customer) return this.askCustomer(dc, state, null, 'prompt');
    return this.searchCustomer(dc, state, customer);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as BuyState;
    const ctx = dc.context;
    const submit = submitOf(ctx);
    switch (state.step) {
      case STEP.customer:
        return this.onCustomer(dc, state, submit);
      case STEP.product:
        return this.onProduct(dc, state, submit, typedOf(ctx));
      case STEP.sku:
        return this.onSku(dc, state, submit);
      case STEP.review:
        return this.onReview(dc, state, submit);
      case STEP.done:
        return this.onDone(dc, state, submit);
    }
  }

  // --- step 1: the customer (R1) ------------------------------------------------------

  private askCustomer(dc: DialogContext, state: BuyState, query: string | null, result: 'prompt' | 'none' | 'invalidGuid'): Promise<DialogTurnResult> {
    state.step = STEP.customer;
    return askCustomer(dc, 'buy', query, result);
  }

  private searchCustomer(dc: DialogContext, state: BuyState, query: string): Promise<DialogTurnResult> {
    state.step = STEP.customer;
    return searchCustomer(dc, {
      flow: 'buy',
      customers: this.customers,
      query,
      onOne: (customerId) => {
        state.customerId = customerId;
        return this.showProducts(dc, state);
      },
    });
  }

  private async onCustomer(dc: DialogContext, state: BuyState, submit: Submit): Promise<DialogTurnResult> {
    if (submit?.action === 'buy.customer' && str(submit.data.customerId)) {
      const customer = await orRefuse(dc.context, () => this.customers.get(requireActor(dc.context), 'buy', str(submit.data.customerId)!));
      if (!customer) return this.askCustomer(dc, state, null, 'prompt');
      state.customerId = customer.id;
      return this.showProducts(dc, state);
    }
    const query = customerQuery(parseTurnInput(dc.context.activity), 'buy');
    if (query) return this.searchCustomer(dc, state, query);
    if (submit?.action === 'buy.search' && isSlack(dc.context)) {
      await openSlackModal(dc.context, buySearchModal(localeOf(dc.context)));
      expectText(dc.context);
      return Dialog.EndOfTurn;
    }
    await show(dc.context, notices.invalidSubmit());
    return this.askCustomer(dc, state, null, 'prompt');
  }

  // --- step 2: the product (R2, R3) -----------------------------------------------------

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
      return this.showSku(dc, state, { selectedSkuId: null, quantity: null, quantityError: null });
    }
    // Filters: every kind when nothing is filtered (what the market sells), else every kind the
    // market may buy (R3) — without asking the catalog a second time.
    const kinds = kind || search ? PRODUCT_KINDS.filter((k) => k !== 'azure_reservation' || !offers.azureReservationsUnavailable) : offers.groups.map((g) => g.kind);
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

  private async onProduct(dc: DialogContext, state: BuyState, submit: Submit, typed: string | null): Promise<DialogTurnResult> {
    if (submit && submit.data.customerId !== undefined && submit.data.customerId !== state.customerId) {
      // A card of another customer's purchase (an older one): it must not act on this one.
      await show(dc.context, notices.invalidSubmit());
      return this.showProducts(dc, state);
    }
    switch (submit?.action) {
      case 'buy.kind': {
        const kind = submit.data.kind;
        state.kind = kind === 'all' ? null : (PRODUCT_KINDS as readonly unknown[]).includes(kind) ? (kind as ProductKind) : state.kind ?? null;
        return this.showProducts(dc, state);
      }
      case 'buy.productSearch': {
        const search = str(submit.data.search);
        if (!search && isSlack(dc.context)) {
          const offers = await orRefuse(dc.context, () => this.customers.get(requireActor(dc.context), 'buy', state.customerId!));
          if (offers) await openSlackModal(dc.context, buyProductSearchModal(localeOf(dc.context), customerSummary(offers)));
          expectText(dc.context);
          return Dialog.EndOfTurn;
        }
        state.search = search;
        // A search looks in every kind: a filter left on would hide what was asked for.
        state.kind = null;
        return this.showProducts(dc, state);
      }
      case 'buy.product': {
        const productId = str(submit.data.productId);
        if (!productId) break;
        state.productId = productId;
        return this.showSku(dc, state, { selectedSkuId: null, quantity: null, quantityError: null });
      }
    }
    if (!submit && typed) {
      state.search = typed;
      state.kind = null;
      return this.showProducts(dc, state);
    }
    await show(dc.context, notices.invalidSubmit());
    return this.showProducts(dc, state);
  }

  // --- step 3: SKU and quantity (R2, R4, R5) -------------------------------------------

  private async showSku(dc: DialogContext, state: BuyState, extra: { selectedSkuId: string | null; quantity: number | null; quantityError: QuantityError | null }): Promise<DialogTurnResult> {
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

  private async onSku(dc: DialogContext, state: BuyState, submit: Submit): Promise<DialogTurnResult> {
    if (submit?.action === 'buy.sku' && str(submit.data.skuId) && isSlack(dc.context)) {
      // Slack: the quantity is asked in a modal opened by this click.
      const found = await orRefuse(dc.context, () => this.purchases.offer(requireActor(dc.context), state.customerId!, state.productId!));
      if (!found) return this.showProducts(dc, state);
      const model = quantityModalModel(skuScreen(found.customer, found.offer, { selectedSkuId: null, quantity: null, quantityError: null }), str(submit.data.skuId)!);
      if (!model) {
        await show(dc.context, notices.invalidSubmit());
        return Dialog.EndOfTurn;
      }
      await openSlackModal(dc.context, buyQuantityModal(model, localeOf(dc.context)));
      return Dialog.EndOfTurn;
    }
    if (submit?.action === 'buy.review' && submit.data.productId === state.productId && str(submit.data.skuId)) {
      return this.showReview(dc, state, str(submit.data.skuId)!, submit.data.quantity ?? '', false);
    }
    if (submit?.action === 'buy.product' && str(submit.data.productId)) {
      state.productId = str(submit.data.productId)!;
      return this.showSku(dc, state, { selectedSkuId: null, quantity: null, quantityError: null });
    }
    await show(dc.context, notices.invalidSubmit());
    return this.showSku(dc, state, { selectedSkuId: null, quantity: null, quantityError: null });
  }

  // --- steps 4–5: review and confirm (R6, R7) -------------------------------------------

  private async showReview(dc: DialogContext, state: BuyState, skuId: string, quantity: string | number | boolean, priceChanged: boolean, quote?: Quote): Promise<DialogTurnResult> {
    let q = quote;
    if (!q) {
      try {
        q = await this.purchases.quote(requireActor(dc.context), { customerId: state.customerId!, productId: state.productId!, skuId, quantity: typeof quantity === 'boolean' ? '' : quantity });
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
    return Dialog.EndOfTurn;
  }

  private async onReview(dc: DialogContext, state: BuyState, submit: Submit): Promise<DialogTurnResult> {
    const pending = state.pending!;
    if (submit?.action !== 'buy.confirm' || submit.data.reviewId !== pending.reviewId) {
      // An older review card, or anything else: nothing is bought.
      await show(dc.context, notices.invalidSubmit());
      return Dialog.EndOfTurn;
    }
    return this.confirm(dc, state, pending);
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

  /** After the order: a repeated Confirm of the same card answers with the same order, from the flow's state. */
  private async onDone(dc: DialogContext, state: BuyState, submit: Submit): Promise<DialogTurnResult> {
    if (submit?.action === 'buy.confirm' && state.bought && submit.data.reviewId === state.bought.reviewId) {
      await show(dc.context, { ...state.bought.screen, existing: true });
      finishFlow(dc.context);
      return Dialog.EndOfTurn;
    }
    await show(dc.context, notices.invalidSubmit());
    finishFlow(dc.context);
    return Dialog.EndOfTurn;
  }
}
