/** Fixtures for the purchase service tests: a partner with customers in the markets the rules care about. */
import { randomBytes } from 'node:crypto';
import type { Actor, Role } from '../../services/access/roles.js';
import { AccessPolicy } from '../../services/access/policy.js';
import { ActivityLog } from '../../services/activity/activity-log.js';
import { CustomerDirectory } from '../../services/customers/directory.js';
import { PurchaseLedger } from '../../services/ledger/purchase-ledger.js';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { importFile } from '../../services/import.js';
import type { Db } from '../../services/db/pool.js';
import { PurchaseService } from '../../services/purchase/purchase-service.js';
import { createCustomer, createPartner, ensureDemoData, type TestCustomer, type TestPartner } from '../commerce/factories.js';

// Demo catalog (services/seed/demo-catalog.ts)
export const WS_DATACENTER_1Y = { productId: 'DG7GMGF0D7FV', skuId: '0001' }; // server subscription, min 8, max 1000, AHB
export const WS_STANDARD_3Y = { productId: 'DG7GMGF0D7FW', skuId: '0002' }; // server subscription, AHB
export const SQL_STANDARD_1Y = { productId: 'DG7GMGF0FKZW', skuId: '0001' }; // server subscription, min 2, max 500
export const SQL_2022_PERPETUAL = { productId: 'DG7GMGF0DT1M', skuId: '0002' }; // perpetual, min 1
export const VM_RESERVATION_1Y = { productId: 'DZH318Z0BQ3Q', skuId: '0001' }; // Azure reservation
export const SUSE_PLAN_1Y = { productId: 'DZH318Z0BPS6', skuId: '0001' }; // software plan, not cancellable

export const R3_LIST_VERSION = '2019-11-30';
export const PURCHASE_ROLE_NAMES: readonly Role[] = ['admin_agent', 'global_admin'];

export function actorOf(partner: TestPartner, roles: Role[]): Actor {
  return { userId: partner.userId, partnerId: partner.partnerId, channel: 'slack', externalId: 'U0TEST', displayName: 'Test User', roles, locale: 'en' };
}

export interface World {
  a: TestPartner;
  b: TestPartner;
  /** Partner A's customers. */
  contosoDe: TestCustomer;
  contosoUk: TestCustomer;
  fabrikamUs: TestCustomer;
  wingtipAu: TestCustomer;
  tailspinBr: TestCustomer;
  /** AD: on the Azure reservations unavailable list (R3). */
  andorra: TestCustomer;
  /** BJ: XOF, in which the demo catalog has no prices. */
  benin: TestCustomer;
  /** Partner B's customer. */
  woodgrove: TestCustomer;
}

export async function createWorld(db: Db): Promise<World> {
  await ensureDemoData(db);
  const a = await createPartner(db, 'Partner A');
  const b = await createPartner(db, 'Partner B');
  return {
    a,
    b,
    contosoDe: await createCustomer(db, a, { companyName: 'Contoso GmbH', billingCountry: 'DE', domains: [`contoso-${randomBytes(3).toString('hex')}.de`] }),
    contosoUk: await createCustomer(db, a, { companyName: 'Contoso Pharmaceuticals Ltd', billingCountry: 'GB' }),
    fabrikamUs: await createCustomer(db, a, { companyName: 'Fabrikam Inc.', billingCountry: 'US' }),
    wingtipAu: await createCustomer(db, a, { companyName: 'Wingtip Toys Pty Ltd', billingCountry: 'AU' }),
    tailspinBr: await createCustomer(db, a, { companyName: 'Tailspin Toys Ltda.', billingCountry: 'BR' }),
    andorra: await createCustomer(db, a, { companyName: 'Alpine Ski House SLU', billingCountry: 'AD' }),
    benin: await createCustomer(db, a, { companyName: 'Bénin Bois SARL', billingCountry: 'BJ' }),
    woodgrove: await createCustomer(db, b, { companyName: 'Woodgrove Contoso AG', billingCountry: 'DE' }),
  };
}

/** A service, the customer directory and a backend sharing one settable clock. */
export function createService(db: Db, clock: { now: Date }) {
  const commerce = new EmbeddedCommerceBackend(db, { now: () => clock.now });
  const ledger = new PurchaseLedger(db);
  const customers = new CustomerDirectory({ commerce, access: new AccessPolicy({ activity: new ActivityLog(db), now: () => clock.now }) });
  const service = new PurchaseService({
    commerce,
    customers,
    ledger,
    now: () => clock.now,
  });
  return { commerce, service, customers, ledger };
}

/** A product of this test only (its own id), so that changing its price touches no other test. */
export async function createTestProduct(
  db: Db,
  p: { unitPriceMinor: number; market?: string; currency?: string; min?: number; max?: number },
): Promise<{ productId: string; skuId: string }> {
  const productId = `ZT${randomBytes(5).toString('hex').toUpperCase()}`;
  const skuId = '0001';
  await importFile(db, {
    products: [{ id: productId, kind: 'server_subscription', title: `Test server ${productId}`, description: 'for purchase tests' }],
    skus: [{ productId, id: skuId, title: 'Test SKU – 1 year', term: 'P1Y', billing: 'annual', minQuantity: p.min ?? 1, maxQuantity: p.max ?? 100 }],
    prices: [{ productId, skuId, market: p.market ?? 'DE', currency: p.currency ?? 'EUR', unitPriceMinor: p.unitPriceMinor, effectiveFrom: '2020-01-01' }],
  });
  return { productId, skuId };
}

export async function ordersOf(db: Db, customerId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [customerId]);
  return Number(rows[0]!.n);
}
