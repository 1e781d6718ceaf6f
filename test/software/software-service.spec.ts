import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import sinon from 'sinon';
import { ForbiddenError, ROLES, type Actor, type Role } from '../../services/access/roles.js';
import { inTransaction } from '../../services/db/pool.js';
import { isSoftwareError, type SoftwareErrorCode } from '../../services/software/errors.js';
import { SoftwareService } from '../../services/software/software-service.js';
import { ActivityLog } from '../../services/activity/activity-log.js';
import type { KeysAndDownload, Redemption } from '../../services/software/types.js';
import { createCustomer, type TestCustomer } from '../commerce/factories.js';
import { newTestPool, testDb } from '../support/db.js';
import {
  activityByUserAgent,
  activityOfLink,
  activityOfOrder,
  activityOfPartner,
  actorOf,
  ADMIN_AGENT,
  buy,
  createSoftwareService,
  createWorld,
  DAY_MS,
  getKeys,
  linkRow,
  PRODUCT_KEY,
  setOrderStatus,
  SQL2022_EN_ISO,
  SQL_2022_PERPETUAL,
  storedText,
  SUSE_PLAN_1Y,
  tableCounts,
  tokenOf,
  TWO_WEEKS_MS,
  WS2022_EN_VHD,
  WS2025_DE_ISO,
  WS_CAL_USER_1Y,
  WS_DATACENTER_1Y,
  type World,
} from './fixtures.js';

const T0 = new Date('2025-03-03T09:00:00.000Z');
const BROWSER = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (software-service.spec)' };

type Ok = Extract<Redemption, { status: 'ok' }>;

function ok(r: Redemption): Ok {
  if (r.status !== 'ok') assert.fail(`expected a usable link, got ${JSON.stringify(r)}`);
  return r;
}

/** A predicate for assert.rejects: a SoftwareError with this code. */
const refusal = (code: SoftwareErrorCode) => (err: unknown) => {
  assert.ok(isSoftwareError(err), `expected SoftwareError ${code}, got ${String(err)}`);
  assert.equal(err.code, code);
  return true;
};

const forbidden = (err: unknown) => {
  assert.ok(err instanceof ForbiddenError, `expected ForbiddenError, got ${String(err)}`);
  assert.deepEqual(err.requiredRoles, ['admin_agent']);
  assert.match(err.message, /admin_agent/);
  return true;
};

async function rowCountOf(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await testDb().query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}

describe('services/software/software-service', () => {
  const db = testDb();
  const h = createSoftwareService(db, T0);
  const { service, clock } = h;
  let w: World;
  const admin = () => actorOf(w.a, ADMIN_AGENT);

  /** A fresh customer of partner A, so that each test sees only its own purchases. */
  const newCustomer = (companyName: string) => createCustomer(db, w.a, { companyName, billingCountry: 'DE' });
  /** A fresh customer with one Windows Server Datacenter purchase (line 0) bought at T0. */
  async function wsPurchase(companyName: string): Promise<{ customer: TestCustomer; orderId: string }> {
    clock.now = T0;
    const customer = await newCustomer(companyName);
    const orderId = await buy(h, w.a, customer, [{ ...WS_DATACENTER_1Y, quantity: 8 }]);
    return { customer, orderId };
  }

  before(async () => {
    w = await createWorld(db);
  });

  beforeEach(() => {
    clock.now = T0;
  });

  describe('R8: only an Admin agent', () => {
    const refused = (): Array<[string, Role[]]> => [
      ['Sales agent', ['sales_agent']],
      ['Global admin', ['global_admin']],
      ['every other role', ROLES.filter((r) => r !== 'admin_agent')],
    ];

    /** Runs `attempt` for each refused actor; each adds one key_view/forbidden row and nothing else. */
    async function expectRefusals(attempt: (actor: Actor) => Promise<unknown>, where: { customerId: string | null; orderId: string | null; lineNumber: number | null }) {
      for (const [who, roles] of refused()) {
        const before = await tableCounts(db);
        const mine = (await activityOfPartner(db, w.a.partnerId)).length;
        await assert.rejects(attempt(actorOf(w.a, roles)), forbidden, who);
        const after = await tableCounts(db);
        assert.deepEqual(after, { ...before, activity: before.activity + 1 }, `${who}: only one activity row is added`);
        const rows = await activityOfPartner(db, w.a.partnerId);
        assert.equal(rows.length, mine + 1);
        const row = rows.at(-1)!;
        assert.deepEqual(
          [row.event, row.outcome, row.user_id, row.customer_id, row.order_id, row.line_number, row.link_id, row.at.getTime()],
          ['key_view', 'forbidden', String(w.a.userId), where.customerId, where.orderId, where.lineNumber, null, clock.now.getTime()],
          who,
        );
      }
    }

    it('authorize refuses a Sales agent and a Global admin with ForbiddenError naming admin_agent, and records each refusal', async () => {
      await expectRefusals((actor) => service.authorize(actor), { customerId: null, orderId: null, lineNumber: null });
      const before = await tableCounts(db);
      await service.authorize(admin());
      await service.authorize(actorOf(w.a, ['global_admin', 'admin_agent']));
      assert.deepEqual(await tableCounts(db), before, 'an allowed actor is not logged by authorize');
    });

    it('list refuses them too, and records the customer asked for', async () => {
      const { customer } = await wsPurchase('R8 list GmbH');
      await expectRefusals((actor) => service.list(actor, customer.id), { customerId: customer.id, orderId: null, lineNumber: null });
    });

    it('choices refuses them too, and records customer, order and line', async () => {
      const { customer, orderId } = await wsPurchase('R8 choices GmbH');
      await expectRefusals((actor) => service.choices(actor, customer.id, orderId, 0), { customerId: customer.id, orderId, lineNumber: 0 });
    });

    it('getKeysAndDownload refuses them too, issuing no key, no link and no job', async () => {
      const { customer, orderId } = await wsPurchase('R8 keys GmbH');
      await expectRefusals(
        (actor) => service.getKeysAndDownload(actor, { customerId: customer.id, orderId, lineNumber: 0, ...WS2025_DE_ISO }),
        { customerId: customer.id, orderId, lineNumber: 0 },
      );
      assert.equal(await rowCountOf('SELECT count(*) AS n FROM download_links WHERE order_id = $1', [orderId]), 0);
      assert.equal(await rowCountOf('SELECT count(*) AS n FROM software_keys WHERE order_id = $1', [orderId]), 0);
    });
  });

  describe('list', () => {
    it("lists only this customer's order lines with downloads, newest first", async () => {
      const c = await newCustomer('Lucerne Publishing GmbH');
      const other = await newCustomer('Lucerne Other GmbH');
      clock.now = new Date('2025-01-10T10:00:00Z');
      const mixed = await buy(h, w.a, c, [{ ...WS_DATACENTER_1Y, quantity: 8 }, { ...WS_CAL_USER_1Y, quantity: 5 }]);
      clock.now = new Date('2025-01-11T10:00:00Z');
      const sql = await buy(h, w.a, c, [{ ...SQL_2022_PERPETUAL, quantity: 2 }]);
      clock.now = new Date('2025-01-12T10:00:00Z');
      await buy(h, w.a, c, [{ ...SUSE_PLAN_1Y, quantity: 1 }]); // no downloads
      await buy(h, w.a, c, [{ ...WS_CAL_USER_1Y, quantity: 1 }]); // no downloads
      await buy(h, w.a, other, [{ ...SQL_2022_PERPETUAL, quantity: 1 }]); // another customer

      const list = await service.list(admin(), c.id);
      assert.equal(list.customer.id, c.id);
      assert.equal(list.customer.companyName, 'Lucerne Publishing GmbH');
      assert.deepEqual(list.items, [
        {
          orderId: sql, lineNumber: 0, productId: SQL_2022_PERPETUAL.productId, title: 'SQL Server 2022 Standard – Server License',
          productKind: 'perpetual_software', quantity: 2, purchasedAt: new Date('2025-01-11T10:00:00Z'), orderStatus: 'completed', keyAvailable: true,
        },
        {
          orderId: mixed, lineNumber: 0, productId: WS_DATACENTER_1Y.productId, title: 'Windows Server Datacenter – 2 Core License Pack – 1 year',
          productKind: 'server_subscription', quantity: 8, purchasedAt: new Date('2025-01-10T10:00:00Z'), orderStatus: 'completed', keyAvailable: true,
        },
      ]);
    });

    it('R19: still lists a cancelled (or cancelling) purchase, with keyAvailable false', async () => {
      const c = await newCustomer('Cancelled Listing GmbH');
      clock.now = new Date('2025-02-01T10:00:00Z');
      const first = await buy(h, w.a, c, [{ ...WS_DATACENTER_1Y, quantity: 8 }]);
      clock.now = new Date('2025-02-02T10:00:00Z');
      const second = await buy(h, w.a, c, [{ ...SQL_2022_PERPETUAL, quantity: 1 }]);
      await setOrderStatus(db, first, 'cancelled');
      await setOrderStatus(db, second, 'cancel_pending');
      const items = (await service.list(admin(), c.id)).items;
      assert.deepEqual(items.map((i) => [i.orderId, i.orderStatus, i.keyAvailable]), [
        [second, 'cancel_pending', false],
        [first, 'cancelled', false],
      ]);
    });

    it("refuses a customer of another partner (customer_not_found), an unknown and a malformed id", async () => {
      clock.now = T0;
      await buy(h, w.b, w.woodgrove, [{ ...WS_DATACENTER_1Y, quantity: 8 }]);
      assert.ok((await service.list(actorOf(w.b, ADMIN_AGENT), w.woodgrove.id)).items.length >= 1, "partner B sees its own customer's purchase");
      await assert.rejects(service.list(admin(), w.woodgrove.id), refusal('customer_not_found'));
      await assert.rejects(service.list(admin(), '00000000-0000-4000-8000-000000000000'), refusal('customer_not_found'));
      await assert.rejects(service.list(admin(), 'not-a-guid'), refusal('customer_not_found'));
      await assert.rejects(service.list(admin(), 'x'.repeat(1000)), refusal('customer_not_found'));
    });
  });

  describe('choices', () => {
    it('offers exactly the versions, languages and file types the product has in software_variants', async () => {
      const { customer, orderId } = await wsPurchase('Choices GmbH');
      const ch = await service.choices(admin(), customer.id, orderId, 0);
      const { rows } = await db.query<{ id: string; version: string; language: string; file_type: string }>(
        'SELECT id, version, language, file_type FROM software_variants WHERE product_id = $1',
        [WS_DATACENTER_1Y.productId],
      );
      const distinct = (xs: string[]) => [...new Set(xs)].sort();
      assert.deepEqual([...ch.versions].sort(), distinct(rows.map((r) => r.version)));
      assert.deepEqual([...ch.languages].sort(), distinct(rows.map((r) => r.language)));
      assert.deepEqual([...ch.fileTypes].sort(), distinct(rows.map((r) => r.file_type)));
      assert.equal(new Set(ch.versions).size, ch.versions.length, 'no duplicates');
      assert.equal(new Set(ch.languages).size, ch.languages.length, 'no duplicates');
      assert.equal(new Set(ch.fileTypes).size, ch.fileTypes.length, 'no duplicates');
      // The demo catalog: Windows Server 2025/2022 × 5 languages × ISO/VHD.
      assert.deepEqual([...ch.versions].sort(), ['Windows Server 2022', 'Windows Server 2025']);
      assert.ok(ch.languages.includes('de-DE'));
      assert.deepEqual([...ch.fileTypes].sort(), ['ISO', 'VHD']);
      assert.deepEqual(
        ch.variants.map((v) => [v.id, v.version, v.language, v.fileType]).sort(),
        rows.map((r) => [Number(r.id), r.version, r.language, r.file_type]).sort(),
      );
      assert.deepEqual([ch.item.orderId, ch.item.lineNumber, ch.item.productId, ch.item.keyAvailable], [orderId, 0, WS_DATACENTER_1Y.productId, true]);
      assert.equal(ch.customer.id, customer.id);

      const sql = await buy(h, w.a, customer, [{ ...SQL_2022_PERPETUAL, quantity: 1 }]);
      const sqlChoices = await service.choices(admin(), customer.id, sql, 0);
      assert.deepEqual([sqlChoices.versions, sqlChoices.fileTypes], [['SQL Server 2022'], ['ISO']]);
    });

    it("refuses an order of another customer of the same partner, a line without downloads and malformed ids (item_not_found)", async () => {
      const { customer, orderId } = await wsPurchase('Choices Owner GmbH');
      const stranger = await newCustomer('Choices Stranger GmbH');
      const mixed = await buy(h, w.a, customer, [{ ...WS_DATACENTER_1Y, quantity: 8 }, { ...WS_CAL_USER_1Y, quantity: 1 }]);
      await assert.rejects(service.choices(admin(), stranger.id, orderId, 0), refusal('item_not_found'));
      await assert.rejects(service.choices(admin(), customer.id, mixed, 1), refusal('item_not_found'), 'the CAL line has no downloads');
      await assert.rejects(service.choices(admin(), customer.id, orderId, 1), refusal('item_not_found'), 'no such line');
      for (const bad of ['', 'not-an-order', orderId.slice(0, 11), `${orderId}X`, `${orderId.slice(0, 11)}'`, 'ZZZZZZZZZZZZ']) {
        await assert.rejects(service.choices(admin(), customer.id, bad, 0), refusal('item_not_found'), JSON.stringify(bad));
      }
      for (const line of [-1, 0.5, Number.NaN, Number.MAX_VALUE, 'x' as unknown as number]) {
        await assert.rejects(service.choices(admin(), customer.id, orderId, line), refusal('item_not_found'), String(line));
      }
      await assert.rejects(service.choices(actorOf(w.b, ADMIN_AGENT), customer.id, orderId, 0), refusal('customer_not_found'));
    });

    it('R19: refuses a cancelled purchase (key_not_available)', async () => {
      const { customer, orderId } = await wsPurchase('Choices Cancelled GmbH');
      await setOrderStatus(db, orderId, 'cancelled');
      await assert.rejects(service.choices(admin(), customer.id, orderId, 0), (err: unknown) => {
        refusal('key_not_available')(err);
        assert.ok(isSoftwareError(err, 'key_not_available'));
        assert.equal(err.refusal.title, 'Windows Server Datacenter – 2 Core License Pack – 1 year');
        return true;
      });
    });
  });

  describe('getKeysAndDownload', () => {
    it('returns a 5×5 key (simulated), a download URL with a 43-character token, two weeks and 50 downloads', async () => {
      const { customer, orderId } = await wsPurchase('Keys GmbH');
      clock.now = new Date('2025-03-04T12:34:56.789Z');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      assert.match(r.activationKey, PRODUCT_KEY);
      assert.equal(r.simulated, true);
      assert.match(r.downloadUrl, /^http:\/\/127\.0\.0\.1:9\/downloads\/[A-Za-z0-9_-]{43}$/);
      assert.equal(r.expiresAt.getTime(), clock.now.getTime() + TWO_WEEKS_MS);
      assert.equal(r.expiresAt.toISOString(), '2025-03-18T12:34:56.789Z');
      assert.equal(r.maxDownloads, 50);
      assert.deepEqual([r.variant.version, r.variant.language, r.variant.fileType], ['Windows Server 2025', 'de-DE', 'ISO']);
      assert.deepEqual([r.customer.id, r.item.orderId, r.item.lineNumber, r.item.productId], [customer.id, orderId, 0, WS_DATACENTER_1Y.productId]);

      const link = await linkRow(db, r.linkId);
      assert.deepEqual(link.token_hash, createHash('sha256').update(tokenOf(r)).digest(), 'only the SHA-256 of the token is stored');
      assert.deepEqual(
        [link.partner_id, link.order_id, link.line_number, link.variant_id, link.created_at.getTime(), link.expires_at.getTime(), link.max_downloads, link.download_count, link.expired_at, link.revoked_at],
        [String(w.a.partnerId), orderId, 0, String(r.variant.id), clock.now.getTime(), r.expiresAt.getTime(), 50, 0, null, null],
      );
    });

    it('stores the key encrypted and neither the token nor the key appears in any row', async () => {
      const { customer, orderId } = await wsPurchase('Secrets GmbH');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const token = tokenOf(r);
      ok(await service.redeem(token, BROWSER)); // a download row too
      await assert.rejects(service.getKeysAndDownload(actorOf(w.a, ['sales_agent']), { customerId: customer.id, orderId, lineNumber: 0, ...WS2025_DE_ISO }), forbidden);

      const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
      const secrets = [token, r.downloadUrl, r.activationKey, r.activationKey.replace(/-/g, ''), hex(token), hex(r.activationKey)];
      for (const text of await storedText(db)) {
        for (const secret of secrets) assert.ok(!text.includes(secret), `a stored row contains a secret: ${text.slice(0, 200)}`);
      }

      const { rows } = await db.query<{ key_id: string; iv: Buffer; tag: Buffer; ciphertext: Buffer; simulated: boolean; revoked_at: Date | null }>(
        'SELECT key_id, iv, tag, ciphertext, simulated, revoked_at FROM software_keys WHERE order_id = $1',
        [orderId],
      );
      assert.equal(rows.length, 1);
      const stored = rows[0]!;
      assert.notEqual(stored.ciphertext.toString('utf8'), r.activationKey);
      assert.ok(!stored.ciphertext.includes(Buffer.from(r.activationKey)));
      assert.deepEqual([stored.key_id, stored.iv.length, stored.tag.length, stored.simulated, stored.revoked_at], [h.cipher.keyId, 12, 16, true, null]);
      // It is this key, sealed to its row (order, line, version).
      const sealed = { keyId: stored.key_id, iv: stored.iv, tag: stored.tag, ciphertext: stored.ciphertext };
      assert.equal(h.cipher.open(sealed, `software_key:${orderId}:0:Windows Server 2025`), r.activationKey);
      assert.throws(() => h.cipher.open(sealed, `software_key:${orderId}:0:Windows Server 2022`));
    });

    it('gives the same key again for the same version, and a new link with its own two weeks / 50 downloads while the first still works', async () => {
      const { customer, orderId } = await wsPurchase('Again GmbH');
      const first = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      clock.now = new Date(T0.getTime() + DAY_MS);
      const second = await getKeys(h, w.a, customer, orderId, { ...WS2025_DE_ISO, language: 'en-US' });
      const otherVersion = await getKeys(h, w.a, customer, orderId, WS2022_EN_VHD);

      assert.equal(second.activationKey, first.activationKey, 'one key per purchase and version');
      assert.notEqual(otherVersion.activationKey, first.activationKey, 'another version has its own key');
      assert.equal(await rowCountOf('SELECT count(*) AS n FROM software_keys WHERE order_id = $1', [orderId]), 2);
      assert.notEqual(tokenOf(second), tokenOf(first));
      assert.notEqual(second.linkId, first.linkId);
      assert.equal(second.expiresAt.getTime(), T0.getTime() + DAY_MS + TWO_WEEKS_MS, 'fresh two weeks from now');
      assert.equal(second.maxDownloads, 50);

      // Use up the first link: the second is unaffected.
      for (let i = 1; i <= 50; i++) assert.equal(ok(await service.redeem(tokenOf(first), BROWSER)).downloadNumber, i);
      assert.equal((await service.redeem(tokenOf(first), BROWSER)).status, 'used_up');
      assert.equal(ok(await service.redeem(tokenOf(second), BROWSER)).downloadNumber, 1, 'own count');

      // The first link's deadline passes; the second still has a day.
      clock.now = first.expiresAt;
      assert.equal((await service.redeem(tokenOf(first), BROWSER)).status, 'expired');
      assert.equal(ok(await service.redeem(tokenOf(second), BROWSER)).downloadNumber, 2);
      clock.now = new Date(second.expiresAt.getTime() - 1);
      assert.equal(ok(await service.redeem(tokenOf(second), BROWSER)).downloadNumber, 3);
    });

    it("writes the link's expiry job to the outbox: queue link-expiry, data { downloadLinkId } only, delayed until expiresAt", async () => {
      const { customer, orderId } = await wsPurchase('Outbox GmbH');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const { rows } = await db.query<{ queue: string; job_name: string; job_id: string; data: unknown; delay_until: Date | null }>(
        "SELECT queue, job_name, job_id, data, delay_until FROM job_outbox WHERE data->>'downloadLinkId' = $1",
        [r.linkId],
      );
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0], { queue: 'link-expiry', job_name: 'expire', job_id: `link-expiry-${r.linkId}`, data: { downloadLinkId: r.linkId }, delay_until: r.expiresAt });
    });

    it('records key_view ok and link_issued ok: who, when, customer, order, product, variant and link', async () => {
      const { customer, orderId } = await wsPurchase('Activity GmbH');
      clock.now = new Date('2025-03-05T08:00:00Z');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const rows = await activityOfOrder(db, orderId);
      assert.deepEqual(
        rows.map((a) => [a.event, a.outcome, a.at.getTime(), a.partner_id, a.user_id, a.customer_id, a.order_id, a.line_number, a.product_id, a.variant_id, a.link_id]),
        ['key_view', 'link_issued'].map((event) => [
          event, 'ok', clock.now.getTime(), String(w.a.partnerId), String(w.a.userId), customer.id, orderId, 0, WS_DATACENTER_1Y.productId, String(r.variant.id), r.linkId,
        ]),
      );
    });

    it('picks the variant by id or by version, language and file type, and the download serves that variant', async () => {
      const { customer, orderId } = await wsPurchase('Variant GmbH');
      const ch = await service.choices(admin(), customer.id, orderId, 0);
      const ja = ch.variants.find((v) => v.version === 'Windows Server 2022' && v.language === 'ja-JP' && v.fileType === 'VHD')!;
      const byId = await getKeys(h, w.a, customer, orderId, { variantId: ja.id });
      assert.deepEqual(byId.variant, ja);
      assert.equal((await linkRow(db, byId.linkId)).variant_id, String(ja.id));

      const byChoice = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const de = ch.variants.find((v) => v.version === 'Windows Server 2025' && v.language === 'de-DE' && v.fileType === 'ISO')!;
      assert.deepEqual(byChoice.variant, de);
      const file = ok(await service.redeem(tokenOf(byChoice), BROWSER)).file;
      assert.deepEqual(file, {
        productId: WS_DATACENTER_1Y.productId, version: 'Windows Server 2025', language: 'de-DE', fileType: 'ISO', fileName: 'SW_DVD9_Win_Server_DC_2025_64Bit_de-DE.iso',
      });
    });

    it('refuses a version, language or file type the product does not have (variant_not_found) and writes nothing', async () => {
      const { customer, orderId } = await wsPurchase('No Variant GmbH');
      const { rows } = await db.query<{ id: string }>('SELECT id FROM software_variants WHERE product_id = $1 LIMIT 1', [SQL_2022_PERPETUAL.productId]);
      const foreignVariant = Number(rows[0]!.id);
      const cases: Array<Record<string, unknown>> = [
        { ...WS2025_DE_ISO, version: 'Windows Server 2019' },
        { ...WS2025_DE_ISO, language: 'xx-XX' },
        { ...WS2025_DE_ISO, fileType: 'DMG' },
        { ...SQL2022_EN_ISO }, // another product's variant
        { version: 'Windows Server 2025', language: 'de-DE' }, // incomplete
        {},
        { variantId: foreignVariant },
        { variantId: 999_999_999 },
      ];
      const before = await tableCounts(db);
      for (const choice of cases) {
        await assert.rejects(
          service.getKeysAndDownload(admin(), { customerId: customer.id, orderId, lineNumber: 0, ...choice }),
          refusal('variant_not_found'),
          JSON.stringify(choice),
        );
      }
      await assert.rejects(getKeys(h, w.a, customer, orderId, { ...WS2025_DE_ISO, fileType: 'DMG' }), (err: unknown) => {
        assert.ok(isSoftwareError(err, 'variant_not_found'));
        assert.deepEqual(err.refusal, { code: 'variant_not_found', version: 'Windows Server 2025', language: 'de-DE', fileType: 'DMG' });
        return true;
      });
      assert.deepEqual(await tableCounts(db), before, 'no link, key, activity row or job');
    });

    it('R19: refuses a cancelled purchase with key_not_available and records the attempt as not_available', async () => {
      const { customer, orderId } = await wsPurchase('Keys Cancelled GmbH');
      for (const status of ['cancelled', 'cancel_pending'] as const) {
        await setOrderStatus(db, orderId, status);
        const before = await tableCounts(db);
        await assert.rejects(getKeys(h, w.a, customer, orderId, WS2025_DE_ISO), refusal('key_not_available'), status);
        assert.deepEqual(await tableCounts(db), { ...before, activity: before.activity + 1 }, 'no key, link or job; one activity row');
      }
      const rows = await activityOfOrder(db, orderId);
      assert.deepEqual(
        rows.map((a) => [a.event, a.outcome, a.user_id, a.customer_id, a.order_id, a.line_number, a.product_id, a.link_id]),
        Array(2).fill(['key_view', 'not_available', String(w.a.userId), customer.id, orderId, 0, WS_DATACENTER_1Y.productId, null]),
      );
    });

    it("refuses another partner's customer (customer_not_found) and another customer's order (item_not_found)", async () => {
      const { customer, orderId } = await wsPurchase('Keys Owner GmbH');
      const stranger = await newCustomer('Keys Stranger GmbH');
      const before = await tableCounts(db);
      await assert.rejects(getKeys(h, w.a, stranger, orderId, WS2025_DE_ISO), refusal('item_not_found'));
      await assert.rejects(getKeys(h, w.b, customer, orderId, WS2025_DE_ISO), refusal('customer_not_found'));
      await assert.rejects(getKeys(h, w.a, customer, 'bad id', WS2025_DE_ISO), refusal('item_not_found'));
      assert.deepEqual((await tableCounts(db)).links, before.links);
      assert.deepEqual((await tableCounts(db)).keys, before.keys);
    });
  });

  describe('redeem and inspect', () => {
    it('counts downloads 1…50, each recorded with IP and user agent; the 51st is used_up and recorded so', async () => {
      const { customer, orderId } = await wsPurchase('Redeem GmbH');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const token = tokenOf(r);
      clock.now = new Date(T0.getTime() + 3 * DAY_MS);
      for (let i = 1; i <= 50; i++) {
        const d = ok(await service.redeem(token, BROWSER));
        assert.deepEqual([d.downloadNumber, d.maxDownloads, d.linkId, d.expiresAt.getTime()], [i, 50, r.linkId, r.expiresAt.getTime()]);
      }
      const refused = await service.redeem(token, BROWSER);
      assert.deepEqual(refused, { status: 'used_up', linkId: r.linkId, expiresAt: r.expiresAt, maxDownloads: 50 });
      assert.equal((await linkRow(db, r.linkId)).download_count, 50);

      const downloads = (await activityOfLink(db, r.linkId)).filter((a) => a.event === 'download');
      assert.equal(downloads.length, 51);
      const seen = downloads.map((a) => [a.outcome, a.ip, a.user_agent, a.at.getTime(), a.partner_id, a.customer_id, a.order_id, a.line_number, a.product_id, a.variant_id, a.user_id]);
      const row = (outcome: string) => [outcome, BROWSER.ip, BROWSER.userAgent, clock.now.getTime(), String(w.a.partnerId), customer.id, orderId, 0, WS_DATACENTER_1Y.productId, String(r.variant.id), null];
      assert.deepEqual(seen, [...Array<unknown[]>(50).fill(row('ok')), row('used_up')]);
    });

    it('answers unknown to a malformed or truncated token, without touching the database', async () => {
      const { customer, orderId } = await wsPurchase('Malformed GmbH');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const token = tokenOf(r);
      const before = await tableCounts(db);
      const malformed = [
        '', 'x', token.slice(0, 42), token.slice(1), `${token}A`, `${token}=`, `${token.slice(0, 42)}+`, `${token.slice(0, 42)}/`,
        ` ${token.slice(1)}`, r.downloadUrl, `${token.slice(0, 20)}'; DROP TABLE download_links; --`, 'A'.repeat(10_000), null as unknown as string,
      ];
      for (const bad of malformed) {
        assert.deepEqual(await service.redeem(bad, BROWSER), { status: 'unknown' }, JSON.stringify(bad)?.slice(0, 60));
        assert.deepEqual(await service.inspect(bad), { status: 'unknown' });
      }
      assert.deepEqual(await tableCounts(db), before);
      assert.equal((await linkRow(db, r.linkId)).download_count, 0);
    });

    it('answers unknown to a well-formed token of no link, and counts it per address and 10-minute window — never a log row per guess (issue 14)', async () => {
      const ua = `probe-${randomBytes(4).toString('hex')}`;
      const forged = randomBytes(32).toString('base64url');
      const attemptsOf = async (ip: string) =>
        (await db.query<{ attempts: number; last_user_agent: string; first_at: Date }>('SELECT attempts, last_user_agent, first_at FROM unknown_token_attempts WHERE ip = $1', [ip])).rows;
      assert.deepEqual(await service.redeem(forged, { ip: '198.51.100.23', userAgent: ua }), { status: 'unknown' });
      assert.deepEqual(await attemptsOf('198.51.100.23'), [{ attempts: 1, last_user_agent: ua, first_at: T0 }]);
      // A flood of guesses from one address: one row, counted; another address: a row of its own.
      for (let i = 0; i < 40; i++) await service.redeem(randomBytes(32).toString('base64url'), { ip: '198.51.100.23', userAgent: ua });
      await service.redeem(randomBytes(32).toString('base64url'), { ip: '203.0.113.99', userAgent: ua });
      assert.deepEqual((await attemptsOf('198.51.100.23')).map((r) => r.attempts), [41]);
      assert.deepEqual((await attemptsOf('203.0.113.99')).map((r) => r.attempts), [1]);
      // IPv6: a client may take a new address of its /64 for every guess — counted for the /64.
      for (const host of ['1', 'abcd::2', 'ffff:0:0:3']) await service.redeem(randomBytes(32).toString('base64url'), { ip: `2001:db8:7:9:${host.includes('::') || host.split(':').length > 1 ? host : `::${host}`}`.replace(':::', '::'), userAgent: ua });
      assert.deepEqual((await attemptsOf('2001:db8:7:9::/64')).map((r) => r.attempts), [3]);
      assert.deepEqual(await activityByUserAgent(db, ua), [], 'no activity_log row for a guess');
      assert.ok(!(await storedText(db)).some((t) => t.includes(forged)), 'the forged token is not stored');
    });

    it('inspect never counts and never records', async () => {
      const { customer, orderId } = await wsPurchase('Inspect GmbH');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const token = tokenOf(r);
      const before = await tableCounts(db);
      for (let i = 0; i < 5; i++) assert.equal(ok(await service.inspect(token)).downloadNumber, 0);
      assert.deepEqual(ok(await service.inspect(token)).file.version, 'Windows Server 2025');
      assert.deepEqual(await service.inspect(randomBytes(32).toString('base64url')), { status: 'unknown' });
      assert.deepEqual(await tableCounts(db), before);

      ok(await service.redeem(token, BROWSER));
      ok(await service.redeem(token, BROWSER));
      const counted = await tableCounts(db);
      assert.equal(ok(await service.inspect(token)).downloadNumber, 2, 'reports how many were counted');
      clock.now = r.expiresAt;
      assert.equal((await service.inspect(token)).status, 'expired');
      assert.deepEqual(await tableCounts(db), counted);
      assert.equal((await linkRow(db, r.linkId)).download_count, 2);
    });

    it('lets exactly 50 of 200 simultaneous downloads through (own pool of 25 connections)', async function () {
      this.timeout(60_000);
      const { customer, orderId } = await wsPurchase('Stampede GmbH');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const pool = newTestPool(25);
      try {
        const racing = new SoftwareService({ db: pool, customers: h.customers, cipher: h.cipher, publicUrl: 'http://127.0.0.1:9', now: () => clock.now });
        const token = tokenOf(r);
        const results = await Promise.all(Array.from({ length: 200 }, () => racing.redeem(token, BROWSER)));
        const oks = results.filter((x): x is Ok => x.status === 'ok');
        assert.equal(oks.length, 50);
        assert.deepEqual(oks.map((x) => x.downloadNumber).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
        assert.equal(results.filter((x) => x.status === 'used_up').length, 150);
        assert.equal((await linkRow(db, r.linkId)).download_count, 50);
        const outcomes = (await activityOfLink(db, r.linkId)).filter((a) => a.event === 'download').map((a) => a.outcome);
        assert.deepEqual([outcomes.filter((o) => o === 'ok').length, outcomes.filter((o) => o === 'used_up').length], [50, 150]);
      } finally {
        await pool.end();
      }
    });

    it('bursts from four processes over three links, in many batches at once: exactly 50 per link, no deadlock', async function () {
      this.timeout(60_000);
      const links: KeysAndDownload[] = [];
      for (const name of ['Burst A GmbH', 'Burst B GmbH', 'Burst C GmbH']) {
        const { customer, orderId } = await wsPurchase(name);
        links.push(await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO));
      }
      const pools = Array.from({ length: 4 }, () => newTestPool(5));
      try {
        // Four "processes" (own pool, own batching), each sending 90 downloads (30 per link) spread over several event-loop turns.
        const processes = pools.map((pool) => new SoftwareService({ db: pool, customers: h.customers, cipher: h.cipher, publicUrl: 'http://127.0.0.1:9', now: () => clock.now }));
        const results = await Promise.all(processes.flatMap((svc) => Array.from({ length: 90 }, async (_, i) => {
          const link = links[i % 3]!;
          if (i % 7 === 0) await new Promise((r) => setImmediate(r));
          if (i % 11 === 0) await new Promise((r) => setTimeout(r, i % 3));
          return { linkId: link.linkId, result: await svc.redeem(tokenOf(link), BROWSER) };
        })));
        for (const link of links) {
          const mine = results.filter((x) => x.linkId === link.linkId).map((x) => x.result);
          const oks = mine.filter((x): x is Ok => x.status === 'ok');
          assert.equal(mine.length, 120);
          assert.equal(oks.length, 50, `link ${link.linkId}`);
          assert.deepEqual(oks.map((x) => x.downloadNumber).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
          assert.equal(mine.filter((x) => x.status === 'used_up').length, 70);
          assert.equal((await linkRow(db, link.linkId)).download_count, 50);
          const logged = (await activityOfLink(db, link.linkId)).filter((a) => a.event === 'download');
          assert.deepEqual([logged.filter((a) => a.outcome === 'ok').length, logged.filter((a) => a.outcome === 'used_up').length], [50, 70]);
        }
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
    });

    it('a burst mixing a usable, an expired and an unknown link answers each on its own', async () => {
      const { customer, orderId } = await wsPurchase('Mixed Burst GmbH');
      const usable = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const old = await getKeys(h, w.a, customer, orderId, WS2022_EN_VHD);
      await db.query("UPDATE download_links SET created_at = created_at - interval '20 days', expires_at = $2 WHERE id = $1", [old.linkId, new Date(clock.now.getTime() - 1)]);
      const unknown = randomBytes(32).toString('base64url');
      const results = await Promise.all([tokenOf(usable), tokenOf(old), unknown, tokenOf(usable)].map((t) => service.redeem(t, BROWSER)));
      assert.deepEqual(results.map((r) => r.status), ['ok', 'expired', 'unknown', 'ok']);
      assert.deepEqual(results.filter((x): x is Ok => x.status === 'ok').map((x) => x.downloadNumber), [1, 2], 'in arrival order');
    });

    it('works until 1 ms before expiresAt; at expiresAt and later it is expired, though the expiry job has not run', async () => {
      const { customer, orderId } = await wsPurchase('Deadline GmbH');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const token = tokenOf(r);
      clock.now = new Date(r.expiresAt.getTime() - 1);
      assert.equal(ok(await service.inspect(token)).downloadNumber, 0);
      assert.equal(ok(await service.redeem(token, BROWSER)).downloadNumber, 1);
      for (const later of [0, 1, DAY_MS, 365 * DAY_MS]) {
        clock.now = new Date(r.expiresAt.getTime() + later);
        const expired = { status: 'expired', linkId: r.linkId, expiresAt: r.expiresAt, maxDownloads: 50 };
        assert.deepEqual(await service.redeem(token, BROWSER), expired, `+${later} ms`);
        assert.deepEqual(await service.inspect(token), expired);
      }
      const link = await linkRow(db, r.linkId);
      assert.deepEqual([link.download_count, link.expired_at], [1, null], 'not counted; the expiry job never ran');
      const outcomes = (await activityOfLink(db, r.linkId)).filter((a) => a.event === 'download').map((a) => a.outcome);
      assert.deepEqual(outcomes, ['ok', 'expired', 'expired', 'expired', 'expired']);
    });

    it('uses the real clock by default (sinon fake Date): the deadline is two weeks from issue', async () => {
      const { customer, orderId } = await wsPurchase('Default Clock GmbH');
      const real = new SoftwareService({ db, customers: h.customers, cipher: h.cipher, publicUrl: 'http://127.0.0.1:9/' });
      const timers = sinon.useFakeTimers({ now: new Date('2025-04-01T00:00:00Z'), toFake: ['Date'] });
      try {
        const r = await real.getKeysAndDownload(admin(), { customerId: customer.id, orderId, lineNumber: 0, ...WS2025_DE_ISO });
        assert.match(r.downloadUrl, /^http:\/\/127\.0\.0\.1:9\/downloads\/[A-Za-z0-9_-]{43}$/, 'no double slash');
        assert.equal(r.expiresAt.toISOString(), '2025-04-15T00:00:00.000Z');
        timers.tick(TWO_WEEKS_MS - 1);
        ok(await real.redeem(tokenOf(r), BROWSER));
        timers.tick(1);
        assert.equal((await real.redeem(tokenOf(r), BROWSER)).status, 'expired');
      } finally {
        timers.restore();
      }
    });
  });

  describe('revokePurchase (R19)', () => {
    it('a "get keys" that waited for a revocation\'s lock issues nothing once it has committed (two connections)', async () => {
      const { customer, orderId } = await wsPurchase('Race Revoke GmbH');
      await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO); // one version has a key; WS2022 has none yet
      const revoker = await db.connect();
      try {
        await revoker.query('BEGIN');
        await service.revokePurchase(revoker, { partnerId: w.a.partnerId, orderId, reason: 'admin', userId: w.a.userId });
        const waiting = getKeys(h, w.a, customer, orderId, WS2022_EN_VHD);
        const outcome = waiting.then(() => 'issued', (e: unknown) => e);
        await new Promise((r) => setTimeout(r, 200)); // it is now waiting for the order's lock
        await revoker.query('COMMIT');
        const result = await outcome;
        assert.ok(refusal('key_not_available')(result), `expected key_not_available, got ${String(result)}`);
      } finally {
        revoker.release();
      }
      const { rows } = await db.query('SELECT count(*)::int AS n FROM download_links WHERE order_id = $1 AND revoked_at IS NULL', [orderId]);
      assert.equal(rows[0].n, 0, 'no usable link');
    });


    async function twoOrders(name: string) {
      const { customer, orderId } = await wsPurchase(name);
      const links = [
        await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO),
        await getKeys(h, w.a, customer, orderId, WS2022_EN_VHD),
        await getKeys(h, w.a, customer, orderId, { ...WS2025_DE_ISO, language: 'fr-FR' }),
      ];
      clock.now = new Date(T0.getTime() + 60 * 60 * 1000); // an hour later: the newer purchase
      const otherOrder = await buy(h, w.a, customer, [{ ...SQL_2022_PERPETUAL, quantity: 1 }]);
      const other = await getKeys(h, w.a, customer, otherOrder, SQL2022_EN_ISO);
      return { customer, orderId, links, otherOrder, other };
    }

    it("revokes every key and link of the order in the caller's transaction; downloads are refused as revoked (cancelled)", async () => {
      const { customer, orderId, links, otherOrder, other } = await twoOrders('Revoke GmbH');
      ok(await service.redeem(tokenOf(links[0]!), BROWSER));
      clock.now = new Date(T0.getTime() + 2 * DAY_MS);
      const revoked = await inTransaction(db, async (tx) => {
        await tx.query("UPDATE purchases SET status = 'cancelled' WHERE order_id = $1", [orderId]);
        return service.revokePurchase(tx, { partnerId: w.a.partnerId, orderId, reason: 'cancelled', userId: w.a.userId });
      });
      assert.deepEqual(revoked, { keys: 2, links: 3 });

      for (const l of links) {
        assert.deepEqual(await service.redeem(tokenOf(l), BROWSER), { status: 'revoked', linkId: l.linkId, expiresAt: l.expiresAt, maxDownloads: 50, reason: 'cancelled' });
        assert.equal((await service.inspect(tokenOf(l))).status, 'revoked');
        const row = await linkRow(db, l.linkId);
        assert.deepEqual([row.revoked_at?.getTime(), row.revoked_reason], [clock.now.getTime(), 'cancelled']);
      }
      const keys = await db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM software_keys WHERE order_id = $1', [orderId]);
      assert.deepEqual(keys.rows.map((k) => k.revoked_at?.getTime()), [clock.now.getTime(), clock.now.getTime()]);
      await assert.rejects(getKeys(h, w.a, customer, orderId, WS2025_DE_ISO), refusal('key_not_available'));
      assert.deepEqual(
        (await service.list(admin(), customer.id)).items.map((i) => [i.orderId, i.keyAvailable]),
        [[otherOrder, true], [orderId, false]],
        'R19: still listed, key not available',
      );

      // Another order's link and key are untouched.
      assert.equal(ok(await service.redeem(tokenOf(other), BROWSER)).downloadNumber, 1);
      assert.equal((await linkRow(db, other.linkId)).revoked_at, null);
      assert.equal((await getKeys(h, w.a, customer, otherOrder, SQL2022_EN_ISO)).activationKey, other.activationKey);

      const activity = (await activityOfOrder(db, orderId)).filter((a) => a.event === 'revoked');
      assert.deepEqual(
        activity.map((a) => [a.outcome, a.link_id, a.user_id, a.partner_id, a.at.getTime()]).sort(),
        [...links.map((l) => l.linkId), null].map((linkId) => ['ok', linkId, String(w.a.userId), String(w.a.partnerId), clock.now.getTime()]).sort(),
        'one row per link and one for the keys',
      );
      assert.ok(activity.every((a) => a.detail?.startsWith('cancelled')));
      assert.deepEqual((await activityOfOrder(db, otherOrder)).filter((a) => a.event === 'revoked'), []);
    });

    it('is idempotent: a second revoke revokes nothing and records nothing', async () => {
      const { orderId, links } = await twoOrders('Revoke Twice GmbH');
      const revoke = () => inTransaction(db, (tx) => service.revokePurchase(tx, { partnerId: w.a.partnerId, orderId, reason: 'cancelled', userId: w.a.userId }));
      assert.deepEqual(await revoke(), { keys: 2, links: 3 });
      const revokedAt = (await linkRow(db, links[0]!.linkId)).revoked_at;
      const before = await tableCounts(db);
      clock.now = new Date(T0.getTime() + DAY_MS);
      assert.deepEqual(await revoke(), { keys: 0, links: 0 });
      assert.deepEqual(await tableCounts(db), before);
      assert.deepEqual((await linkRow(db, links[0]!.linkId)).revoked_at, revokedAt, 'the first revocation time stays');
    });

    it("changes nothing when the caller's transaction rolls back, and touches only the given partner's order", async () => {
      const { orderId, links } = await twoOrders('Revoke Rollback GmbH');
      await assert.rejects(
        inTransaction(db, async (tx) => {
          assert.deepEqual(await service.revokePurchase(tx, { partnerId: w.a.partnerId, orderId, reason: 'cancelled' }), { keys: 2, links: 3 });
          throw new Error('cancellation failed');
        }),
        /cancellation failed/,
      );
      assert.equal(ok(await service.redeem(tokenOf(links[0]!), BROWSER)).downloadNumber, 1);
      // Partner B cannot revoke partner A's purchase by its order id.
      assert.deepEqual(await inTransaction(db, (tx) => service.revokePurchase(tx, { partnerId: w.b.partnerId, orderId, reason: 'admin' })), { keys: 0, links: 0 });
      assert.equal(ok(await service.redeem(tokenOf(links[1]!), BROWSER)).downloadNumber, 1);
    });

    // R19: a revoked purchase issues no key, also for a version never fetched before.
    it('after revokePurchase, a version never fetched before is not issued either (key_not_available)', async () => {
      const { customer, orderId } = await wsPurchase('Revoke New Version GmbH');
      await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO); // only Windows Server 2025 has a key
      await inTransaction(db, (tx) => service.revokePurchase(tx, { partnerId: w.a.partnerId, orderId, reason: 'admin', userId: w.a.userId }));
      await assert.rejects(getKeys(h, w.a, customer, orderId, WS2025_DE_ISO), refusal('key_not_available'));
      const before = await tableCounts(db);
      await assert.rejects(getKeys(h, w.a, customer, orderId, WS2022_EN_VHD), refusal('key_not_available'));
      assert.deepEqual([(await tableCounts(db)).links, (await tableCounts(db)).keys], [before.links, before.keys], 'no new key, no new link');
    });
  });

  describe('withdrawUndelivered (R11/R12: a key and link that never reached the user)', () => {
    it('revokes the link as undelivered and records it; only for the user it was issued to; once', async () => {
      const { customer, orderId } = await wsPurchase('Undelivered GmbH');
      const issued = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      const me = actorOf(w.a, ['admin_agent']);
      assert.equal(await service.withdrawUndelivered({ ...me, userId: me.userId + 999_999 }, issued.linkId), false, 'another user: nothing');
      assert.equal(await service.withdrawUndelivered({ ...me, partnerId: w.b.partnerId }, issued.linkId), false, 'another partner: nothing');
      assert.equal(await service.withdrawUndelivered(me, 'not-an-id'), false);
      ok(await service.redeem(tokenOf(issued), BROWSER)); // still usable until withdrawn

      assert.equal(await service.withdrawUndelivered(me, issued.linkId), true);
      assert.equal(await service.withdrawUndelivered(me, issued.linkId), false, 'idempotent');
      const refused = await service.redeem(tokenOf(issued), BROWSER);
      assert.deepEqual(refused.status === 'revoked' && refused.reason, 'undelivered');
      const { rows } = await db.query(
        `SELECT event, outcome, user_id, customer_id, order_id, product_id, link_id, detail FROM activity_log WHERE link_id = $1 AND event = 'revoked'`,
        [issued.linkId],
      );
      assert.deepEqual(rows, [{
        event: 'revoked', outcome: 'undelivered', user_id: String(w.a.userId), customer_id: customer.id, order_id: orderId,
        product_id: WS_DATACENTER_1Y.productId, link_id: issued.linkId, detail: 'personal chat: delivery failed',
      }]);
    });
  });

  describe('ActivityLog.record', () => {
    it('stores who, when and where, and cuts the user agent to 512 and the detail to 200 characters', async () => {
      const ua = `long-ua-${randomBytes(4).toString('hex')}-${'u'.repeat(600)}`;
      await new ActivityLog(db).record({
        at: T0, partnerId: w.a.partnerId, event: 'download', outcome: 'unknown', ip: '2001:db8::1', userAgent: ua, detail: 'd'.repeat(300),
      });
      const { rows } = await db.query<{ partner_id: string; ip: string; user_agent: string; detail: string; at: Date }>(
        'SELECT partner_id, host(ip) AS ip, user_agent, detail, at FROM activity_log WHERE user_agent = $1',
        [ua.slice(0, 512)],
      );
      assert.equal(rows.length, 1);
      assert.deepEqual([rows[0]!.partner_id, rows[0]!.ip, rows[0]!.user_agent.length, rows[0]!.detail.length, rows[0]!.at.getTime()], [String(w.a.partnerId), '2001:db8::1', 512, 200, T0.getTime()]);
    });

    it('stores something that is not an IP address (e.g. a spoofed X-Forwarded-For) as NULL', async () => {
      const ua = `bad-ip-${randomBytes(4).toString('hex')}`;
      await new ActivityLog(db).record({ at: T0, partnerId: null, event: 'download', outcome: 'unknown', ip: 'not an address; DROP TABLE x', userAgent: ua });
      assert.deepEqual((await activityByUserAgent(db, ua)).map((a) => a.ip), [null]);
    });

    // Express passes an untrusted X-Forwarded-For entry as req.ip: it must not fail the download.
    it('a download from a malformed address that only looks like one (1.2.3.999) still works, with ip NULL', async () => {
      const { customer, orderId } = await wsPurchase('Bad IP GmbH');
      const r = await getKeys(h, w.a, customer, orderId, WS2025_DE_ISO);
      for (const ip of ['1.2.3.999', 'ff', 'dead', '1.2.3.4.5']) {
        const ua = `bad-ip-${randomBytes(4).toString('hex')}`;
        ok(await service.redeem(tokenOf(r), { ip, userAgent: ua }));
        assert.deepEqual((await activityByUserAgent(db, ua)).map((a) => a.ip), [null], ip);
        assert.deepEqual(await service.redeem(randomBytes(32).toString('base64url'), { ip, userAgent: ua }), { status: 'unknown' });
      }
      // An IPv6 zone id (a link-local client) is dropped, the address kept — and it fails no one else's download in the burst.
      const ua = `zone-${randomBytes(4).toString('hex')}`;
      const [zoned, other] = await Promise.all([service.redeem(tokenOf(r), { ip: 'fe80::1%eth0', userAgent: ua }), service.redeem(tokenOf(r), BROWSER)]);
      assert.deepEqual([zoned.status, other.status], ['ok', 'ok']);
      assert.deepEqual((await activityByUserAgent(db, ua)).map((a) => a.ip), ['fe80::1']);
    });
  });
});
