/**
 * A purchase made as the purchase service makes it, for tests that need something bought
 * without walking the buy flow: the embedded backend places the order, and the bot's ledger
 * records it (keys, links and cancellations stand on the ledger, not on the backend's tables).
 */
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import type { CreateOrderRequest, CreateOrderResult } from '../../services/commerce/types.js';
import type { Db } from '../../services/db/pool.js';
import { PurchaseLedger, type PurchaseStatus } from '../../services/ledger/purchase-ledger.js';

export async function placeOrder(db: Db, partnerId: number, request: CreateOrderRequest, backend = new EmbeddedCommerceBackend(db)): Promise<CreateOrderResult> {
  const result = await backend.createOrder(partnerId, request);
  await new PurchaseLedger(db).record({ order: result.order, backend: backend.name, backendRef: result.reference });
  return result;
}

/** Moves a purchase to a status in the ledger, as a cancellation would (without revoking anything). */
export async function setPurchaseStatus(db: Db, orderId: string, status: PurchaseStatus): Promise<void> {
  const { rowCount } = await db.query('UPDATE purchases SET status = $2, status_at = now() WHERE order_id = $1', [orderId, status]);
  if (rowCount !== 1) throw new Error(`no purchase ${orderId} in the ledger`);
}
