/**
 * A Teams turn table on the demo partner, as the flow specs (keys, cancel) drive it: the real
 * bot against the fake Bot Connector, turns through /api/messages with expectReplies, every
 * Adaptive Card of every answer checked, and a customer and a conversation of each test's own
 * (so a list shows exactly what that test bought). Call inside a `describe`: it registers the
 * hooks.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { SkuRef } from '../../services/commerce/types.js';
import { createLogger } from '../../services/logger.js';
import { seedDemoData, PLAYGROUND_TENANT_ID } from '../../services/seed/demo.js';
import { assertValidAdaptiveCard } from '../cards/validate.js';
import { startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { cardText, startTestBot, type TestBot } from './bot-harness.js';
import { testDb } from './db.js';
import { createMessageActivity } from './factories.js';
import { placeOrder } from './purchases.js';

export const ALEX = '00000000-0000-0000-0000-0000000000020'; // demo: Admin agent + Global admin
export const MEGAN = '00000000-0000-0000-0000-0000000000021'; // demo: Sales agent

/** What the user sends: typed text or a card's data, the activity's id (a resend repeats it), their locale, files. */
export type Turn = { text?: string; value?: Record<string, unknown>; id?: string; locale?: string; attachments?: unknown[]; localTimezone?: string };

export interface TurnOptions {
  conversationType?: 'personal' | 'groupChat';
  conversationId?: string;
  serviceUrl?: string;
}

export interface DemoTurnTable {
  readonly db: ReturnType<typeof testDb>;
  readonly bot: TestBot;
  readonly connector: FakeBotConnector;
  readonly partnerId: number;
  /** The demo Admin agent's user id. */
  readonly alexUserId: number;
  /** This test's conversation (a new one before each test; a test may start another). */
  conversationId: string;
  /** This test's customer (in Germany). */
  readonly customer: { id: string; domain: string; name: string };
  /** Buys `quantity` of `sku` as the embedded backend and the ledger record it; returns the order id. */
  buy: (sku: SkuRef, quantity: number, customerId?: string) => Promise<string>;
  /** One turn as `who` (default Alex); the answer's activities. */
  turnRaw: (t: Turn, who?: string, opts?: TurnOptions) => Promise<any[]>;
  /** One turn; the text of its cards. */
  turn: (t: Turn, who?: string, opts?: TurnOptions) => Promise<string>;
}

/** `label` names the test's customers ("Keys Test 1a2b3c4d GmbH", keys-1a2b3c4d.onmicrosoft.com). */
export function demoTurnTable(label: string): DemoTurnTable {
  const db = testDb();
  const slug = label.toLowerCase().split(' ')[0]!;
  let bot: TestBot;
  let connector: FakeBotConnector;
  let partnerId = 0;
  let alexUserId = 0;
  let customer = { id: '', domain: '', name: '' };

  before(async () => {
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    connector = await startFakeBotConnector();
    bot = await startTestBot();
    const p = await db.query<{ partner_id: string }>("SELECT partner_id FROM partner_channels WHERE channel = 'msteams' AND external_id = $1", [PLAYGROUND_TENANT_ID]);
    partnerId = Number(p.rows[0]!.partner_id);
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE partner_id = $1 AND channel = 'msteams' AND external_id = $2", [partnerId, ALEX]);
    alexUserId = Number(u.rows[0]!.id);
  });
  after(async () => {
    await bot.close();
    await connector.close();
  });

  const table: DemoTurnTable = {
    db,
    get bot() {
      return bot;
    },
    get connector() {
      return connector;
    },
    get partnerId() {
      return partnerId;
    },
    get alexUserId() {
      return alexUserId;
    },
    get customer() {
      return customer;
    },
    conversationId: '',
    buy: async (sku, quantity, customerId = customer.id) => {
      const { order } = await placeOrder(db, partnerId, { customerId, createdBy: alexUserId, lines: [{ ...sku, quantity }], idempotencyKey: randomUUID() });
      return order.id;
    },
    turnRaw: async (t, who = ALEX, opts = {}) => {
      const res = await bot.post('/api/messages', createMessageActivity({
        tenantId: PLAYGROUND_TENANT_ID, aadObjectId: who, conversationId: opts.conversationId ?? table.conversationId, name: who === ALEX ? 'Alex Wilber' : 'Megan Bowen',
        ...(opts.conversationType ? { conversationType: opts.conversationType } : {}), ...(opts.serviceUrl ? { serviceUrl: opts.serviceUrl } : {}), ...t,
      }));
      assert.equal(res.status, 200, res.text);
      const body = res.json();
      for (const a of body.activities ?? []) for (const att of a.attachments ?? []) assertValidAdaptiveCard(att.content);
      return body.activities ?? [];
    },
    turn: async (t, who, opts) => cardText(await table.turnRaw(t, who, opts)),
  };

  beforeEach(async () => {
    table.conversationId = `a:${randomUUID()}`;
    connector.reset();
    const name = `${label} ${randomUUID().slice(0, 8)} GmbH`;
    const domain = `${slug}-${randomUUID().slice(0, 8)}.onmicrosoft.com`;
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO customers (partner_id, company_name, tenant_id, primary_domain, billing_country) VALUES ($1, $2, $3, $4, 'DE') RETURNING id`,
      [partnerId, name, randomUUID(), domain],
    );
    customer = { id: rows[0]!.id, domain, name };
  });
  return table;
}
