/**
 * Demo data, so a newcomer can try every flow at once: the demo partner as the
 * Microsoft 365 Agents Playground and a demo Slack workspace see it, its users and
 * roles, customers in several markets, a second partner (to show isolation), the
 * whole demo catalog and the Azure reservations unavailable-markets list (R3).
 *
 * Idempotent and safe at every start-up, also when the bot and the worker start
 * together: everything is an upsert in one transaction, serialised by the import's
 * advisory lock. Demo rows are reset to these values; nothing else is touched.
 */
import { inTransaction, type Db, type DbClient } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { Role } from '../access/roles.js';
import { applyImport, parseImportDocument, type ImportCounts, type ImportDocumentInput } from '../import.js';
import { EmbeddedCommerceBackend } from '../commerce/embedded.js';
import { PurchaseLedger } from '../ledger/purchase-ledger.js';
import { demoCatalog } from './demo-catalog.js';
import unavailableMarkets from './azure-reservation-unavailable-markets.json' with { type: 'json' };

/** The Agents Playground's default tenant and users (its built-in mock data). */
export const PLAYGROUND_TENANT_ID = '00000000-0000-0000-0000-0000000000001';

export const DEMO_PARTNER = {
  name: 'Contoso Partner (demo)',
  teamsTenantId: PLAYGROUND_TENANT_ID,
  slackTeamId: 'T0DEMO0001',
} as const;

export const OTHER_DEMO_PARTNER = {
  name: 'Northwind Partner (demo)',
  teamsTenantId: '00000000-0000-0000-0000-0000000000099',
  slackTeamId: 'T0OTHER001',
} as const;

interface DemoUser {
  partner: typeof DEMO_PARTNER | typeof OTHER_DEMO_PARTNER;
  channel: 'msteams' | 'slack';
  externalId: string;
  displayName: string;
  roles: Role[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  // Alex Wilber is the Playground's default user: every role a flow needs.
  { partner: DEMO_PARTNER, channel: 'msteams', externalId: '00000000-0000-0000-0000-0000000000020', displayName: 'Alex Wilber', roles: ['admin_agent', 'global_admin'] },
  { partner: DEMO_PARTNER, channel: 'msteams', externalId: '00000000-0000-0000-0000-0000000000021', displayName: 'Megan Bowen', roles: ['sales_agent'] },
  { partner: DEMO_PARTNER, channel: 'msteams', externalId: '00000000-0000-0000-0000-0000000000022', displayName: 'Adele Vance', roles: ['account_admin'] },
  { partner: DEMO_PARTNER, channel: 'slack', externalId: 'U0DEMOADMIN', displayName: 'Demo Admin', roles: ['admin_agent', 'global_admin'] },
  { partner: OTHER_DEMO_PARTNER, channel: 'slack', externalId: 'U0OTHERADMIN', displayName: 'Northwind Admin', roles: ['admin_agent', 'global_admin'] },
];

const demoRef = `msteams:${DEMO_PARTNER.teamsTenantId}`;
const otherRef = `msteams:${OTHER_DEMO_PARTNER.teamsTenantId}`;

/** Demo customers. Two names contain "Contoso" (a search with several matches); AD is a market without Azure reservations. */
export const DEMO_CUSTOMERS: NonNullable<ImportDocumentInput['customers']> = [
  { partner: demoRef, companyName: 'Contoso GmbH', tenantId: '3f2b6a1e-7c4d-4e8a-9b1f-2d5c6e7f8a90', primaryDomain: 'contoso-de.onmicrosoft.com', domains: ['contoso.de'], billingCountry: 'DE' },
  { partner: demoRef, companyName: 'Contoso Pharmaceuticals Ltd', tenantId: '8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f', primaryDomain: 'contosopharma-gb.onmicrosoft.com', domains: ['contoso-pharma.co.uk'], billingCountry: 'GB' },
  { partner: demoRef, companyName: 'Fabrikam Inc.', tenantId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9', primaryDomain: 'fabrikam-us.onmicrosoft.com', domains: ['fabrikam.com'], billingCountry: 'US' },
  { partner: demoRef, companyName: 'Wingtip Toys Pty Ltd', tenantId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', primaryDomain: 'wingtiptoys-au.onmicrosoft.com', domains: ['wingtiptoys.com.au'], billingCountry: 'AU' },
  { partner: demoRef, companyName: 'Tailspin Toys Ltda.', tenantId: 'b7c8d9e0-f1a2-4b3c-9d4e-5f6a7b8c9d0e', primaryDomain: 'tailspintoys-br.onmicrosoft.com', domains: ['tailspintoys.com.br'], billingCountry: 'BR' },
  { partner: demoRef, companyName: 'Alpine Ski House SLU', tenantId: 'c2d3e4f5-a6b7-4c8d-ae9f-0a1b2c3d4e5f', primaryDomain: 'alpineskihouse-ad.onmicrosoft.com', domains: ['alpineskihouse.ad'], billingCountry: 'AD' },
  { partner: demoRef, companyName: 'Litware SARL', tenantId: 'd4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f7a', primaryDomain: 'litware-fr.onmicrosoft.com', domains: [], billingCountry: 'FR' },
  { partner: demoRef, companyName: 'Proseware K.K.', tenantId: 'e6f7a8b9-c0d1-4e2f-b3a4-5c6d7e8f9a0b', primaryDomain: 'proseware-jp.onmicrosoft.com', domains: [], billingCountry: 'JP' },
  { partner: otherRef, companyName: 'Woodgrove Bank AG', tenantId: 'f8a9b0c1-d2e3-4f4a-85b6-c7d8e9f0a1b2', primaryDomain: 'woodgrove-de.onmicrosoft.com', domains: ['woodgrovebank.de'], billingCountry: 'DE' },
];

/** The whole demo data set as an import document (the same validation as `npm run import`). */
export function demoImportDocument(): ImportDocumentInput {
  return {
    ...demoCatalog(),
    azureReservationUnavailableMarkets: unavailableMarkets,
    partners: [DEMO_PARTNER, OTHER_DEMO_PARTNER].map((p) => ({
      name: p.name,
      channels: [`msteams:${p.teamsTenantId}`, `slack:${p.slackTeamId}`],
    })),
    customers: DEMO_CUSTOMERS,
  };
}

async function seedUsers(client: DbClient): Promise<number> {
  for (const u of DEMO_USERS) {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO users (partner_id, channel, external_id, display_name)
       SELECT partner_id, $2, $3, $4 FROM partner_channels WHERE channel = 'msteams' AND external_id = $1
       ON CONFLICT (partner_id, channel, external_id) DO NOTHING
       RETURNING id`,
      [u.partner.teamsTenantId, u.channel, u.externalId, u.displayName],
    );
    // Only a demo user created just now gets the demo roles: roles changed in chat (`roles`)
    // survive restarts.
    const userId = rows[0]?.id;
    if (userId === undefined) continue;
    await client.query(
      'INSERT INTO user_roles (user_id, role) SELECT $1, unnest($2::text[]) ON CONFLICT (user_id, role) DO NOTHING',
      [userId, u.roles],
    );
  }
  return DEMO_USERS.length;
}

export interface SeedSummary extends ImportCounts {
  users: number;
  orders: number;
}

/**
 * Two purchases for Contoso GmbH, so `keys contoso` has something to show on a fresh
 * machine: Windows Server Datacenter (keys and downloads available) and SQL Server 2022
 * Standard, cancelled (R19: listed with "key not available"). Made once (fixed
 * idempotency keys); bought by Alex Wilber.
 */
const DEMO_ORDERS = [
  { key: 'demo-seed-contoso-ws-datacenter', productId: 'DG7GMGF0D7FV', skuId: '0001', quantity: 16, cancelled: false },
  { key: 'demo-seed-contoso-sql-2022', productId: 'DG7GMGF0DT1M', skuId: '0002', quantity: 2, cancelled: true },
] as const;

async function seedOrders(db: Db): Promise<number> {
  const { rows } = await db.query<{ partner_id: string; user_id: string; customer_id: string }>(
    `SELECT u.partner_id, u.id AS user_id, c.id AS customer_id
       FROM users u JOIN customers c ON c.partner_id = u.partner_id
      WHERE u.channel = 'msteams' AND u.external_id = $1 AND c.primary_domain = 'contoso-de.onmicrosoft.com'`,
    ['00000000-0000-0000-0000-0000000000020'],
  );
  const who = rows[0];
  if (!who) return 0;
  const commerce = new EmbeddedCommerceBackend(db);
  const ledger = new PurchaseLedger(db);
  let created = 0;
  for (const o of DEMO_ORDERS) {
    const result = await commerce.createOrder(Number(who.partner_id), {
      customerId: who.customer_id, createdBy: Number(who.user_id), idempotencyKey: o.key,
      lines: [{ productId: o.productId, skuId: o.skuId, quantity: o.quantity }],
    });
    // Recorded as the purchase records it (again after a crash between the two: it changes nothing).
    await ledger.record({ order: result.order, backend: commerce.name, backendRef: result.reference });
    if (!result.created) continue;
    created++;
    if (o.cancelled) {
      // Demo data only: the cancellation flow does this (and revokes keys and links) for real purchases.
      await db.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [result.order.id]);
      await ledger.setStatus(db, { partnerId: result.order.partnerId, orderId: result.order.id, status: 'cancelled', at: new Date() });
      await db.query(
        "INSERT INTO revoked_purchases (order_id, partner_id, revoked_at, reason) VALUES ($1, $2, now(), 'cancelled') ON CONFLICT DO NOTHING",
        [result.order.id, who.partner_id],
      );
    }
  }
  return created;
}

export async function seedDemoData(db: Db, opts: { logger: Logger }): Promise<SeedSummary> {
  const doc = parseImportDocument(demoImportDocument());
  const counts = await inTransaction(db, async (client) => {
    const imported = await applyImport(client, doc);
    const users = await seedUsers(client);
    return { ...imported, users };
  });
  const summary = { ...counts, orders: await seedOrders(db) };
  opts.logger.info({ seed: summary }, 'demo data seeded');
  return summary;
}
