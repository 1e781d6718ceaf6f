/** Typed factories for commerce tests: a fresh partner with a user, and its customers. */
import { randomBytes, randomUUID } from 'node:crypto';
import { importFile } from '../../services/import.js';
import type { Db } from '../../services/db/pool.js';
import { createLogger } from '../../services/logger.js';
import { seedDemoData } from '../../services/seed/demo.js';

export const silentLogger = createLogger({ level: 'silent' });

/** The demo catalog, markets and unavailable list (idempotent). */
export async function ensureDemoData(db: Db): Promise<void> {
  await seedDemoData(db, { logger: silentLogger });
}

export interface TestPartner {
  partnerId: number;
  /** How import files name it, e.g. slack:T1A2B3C4D5. */
  ref: string;
  userId: number;
}

export async function createPartner(db: Db, name = 'Test partner'): Promise<TestPartner> {
  const ref = `slack:T${randomBytes(5).toString('hex').toUpperCase()}`;
  await importFile(db, { partners: [{ name, channels: [ref] }] });
  const { rows } = await db.query<{ partner_id: string }>(
    "SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = $1",
    [ref.slice('slack:'.length)],
  );
  const partnerId = Number(rows[0]!.partner_id);
  const user = await db.query<{ id: string }>(
    "INSERT INTO users (partner_id, channel, external_id, display_name) VALUES ($1, 'slack', $2, 'Test User') RETURNING id",
    [partnerId, `U${randomBytes(5).toString('hex').toUpperCase()}`],
  );
  return { partnerId, ref, userId: Number(user.rows[0]!.id) };
}

export interface TestCustomer {
  id: string;
  tenantId: string;
  primaryDomain: string;
  companyName: string;
}

export async function createCustomer(
  db: Db,
  partner: TestPartner,
  c: { companyName: string; billingCountry: string; domains?: string[]; tenantId?: string; primaryDomain?: string },
): Promise<TestCustomer> {
  const tenantId = c.tenantId ?? randomUUID();
  const primaryDomain = c.primaryDomain ?? `t${randomBytes(6).toString('hex')}.onmicrosoft.com`;
  await importFile(db, {
    customers: [{ partner: partner.ref, companyName: c.companyName, tenantId, primaryDomain, domains: c.domains ?? [], billingCountry: c.billingCountry }],
  });
  const { rows } = await db.query<{ id: string }>('SELECT id FROM customers WHERE partner_id = $1 AND tenant_id = $2', [partner.partnerId, tenantId]);
  return { id: rows[0]!.id, tenantId, primaryDomain, companyName: c.companyName };
}
