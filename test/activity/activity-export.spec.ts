import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { AccessPolicy } from '../../services/access/policy.js';
import { ForbiddenError, type Role } from '../../services/access/roles.js';
import { ActivityExport, CSV_HEADER } from '../../services/activity/activity-export.js';
import { ActivityLog, type ActivityEntry } from '../../services/activity/activity-log.js';
import type { ActivityRange } from '../../services/activity/activity-query.js';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { CustomerDirectory } from '../../services/customers/directory.js';
import type { Db } from '../../services/db/pool.js';
import { isRefusal } from '../../services/refusal.js';
import { createCustomer, createPartner, type TestCustomer, type TestPartner } from '../commerce/factories.js';
import { actorOf, createWorld, type World } from '../purchase/fixtures.js';
import { newTestPool, testDb } from '../support/db.js';

const AUDITOR: Role[] = ['account_admin'];
const BOM = '\uFEFF';

function exporterOn(db: Db, batchRows?: number): ActivityExport {
  const access = new AccessPolicy({ activity: new ActivityLog(db) });
  return new ActivityExport({ db, access, customers: new CustomerDirectory({ commerce: new EmbeddedCommerceBackend(db), access }), ...(batchRows ? { batchRows } : {}) });
}

async function text(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** The file parsed back: its rows as records keyed by the header (which must be ours). */
function parsed(csv: string): Record<string, string>[] {
  assert.ok(csv.startsWith(BOM), 'UTF-8 with a BOM');
  const rows: string[][] = parse(csv.slice(1), { relax_column_count: false });
  assert.deepEqual(rows[0], [...CSV_HEADER]);
  return rows.slice(1).map((r) => Object.fromEntries(CSV_HEADER.map((h, i) => [h, r[i]!])));
}

describe('services/activity — exporting the activity log as CSV (R13)', () => {
  const db = testDb();
  const activity = new ActivityLog(db);
  let w: World;
  let p: TestPartner;
  let customer: TestCustomer;
  const T0 = new Date('2026-11-10T12:00:00.000Z');
  const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
  const record = (e: Partial<ActivityEntry> & { at: Date }, partner = p) =>
    activity.record({ partnerId: partner.partnerId, event: 'key_view', outcome: 'ok', userId: partner.userId, customerId: customer.id, ...e });
  const range: ActivityRange = { from: at(0), to: at(60) };
  const auditor = () => actorOf(p, AUDITOR);
  const exporter = exporterOn(db, 2); // batches of 2 rows: the file spans several cursor reads

  before(async () => {
    w = await createWorld(db);
    p = await createPartner(db, 'Activity export partner');
    customer = await createCustomer(db, p, { companyName: 'Export Test GmbH', billingCountry: 'DE' });
    await record({ at: at(0) }); // the first instant: in
    await record({ at: at(10), event: 'download', userId: null, ip: '203.0.113.7', userAgent: '=HYPERLINK("http://evil")' });
    await record({ at: at(10), event: 'download', userId: null, ip: '203.0.113.8', userAgent: 'curl/8' }); // a tie on `at`
    await record({ at: new Date(at(20).getTime() + 999), event: 'link_issued', detail: '+SUM(A1)' });
    await record({ at: at(30), event: 'key_view', outcome: 'forbidden', detail: '@cmd|"/c calc"!A0' });
    await record({ at: at(40), event: 'download', outcome: 'expired', userId: null, ip: '203.0.113.7', userAgent: '-2+3', detail: '\tTabbed, "quoted"\r\nand two lines' });
    await record({ at: at(59), detail: 'Grüße, 東京 — ünïcödé' });
    await record({ at: at(60) }); // the end: out
    await record({ at: at(-1) }); // before: out
    await record({ at: at(30), event: 'cancellation_requested' }); // not a key or download event
    await record({ at: at(30), detail: 'partner B secret' }, w.b); // another partner's: never
  });

  it('UTF-8 with a BOM, the header, every row of the range newest first (the same rows as the view), times with the offset of the user\'s zone', async () => {
    const berlin = parsed(await text(await exporter.exportCsv(auditor(), { range, zone: 'Europe/Berlin' })));
    assert.deepEqual(berlin.map((r) => `${r.When} ${r.Event} ${r.Outcome}`), [
      '2026-11-10T13:59:00+01:00 key_view ok',
      '2026-11-10T13:40:00+01:00 download expired',
      '2026-11-10T13:30:00+01:00 key_view forbidden',
      '2026-11-10T13:20:00+01:00 link_issued ok',
      '2026-11-10T13:10:00+01:00 download ok',
      '2026-11-10T13:10:00+01:00 download ok',
      '2026-11-10T13:00:00+01:00 key_view ok',
    ]);
    const newYork = parsed(await text(await exporter.exportCsv(auditor(), { range, zone: 'America/New_York' })));
    assert.deepEqual(newYork.map((r) => r.When), [
      '2026-11-10T07:59:00-05:00', '2026-11-10T07:40:00-05:00', '2026-11-10T07:30:00-05:00', '2026-11-10T07:20:00-05:00',
      '2026-11-10T07:10:00-05:00', '2026-11-10T07:10:00-05:00', '2026-11-10T07:00:00-05:00',
    ]);
    const kolkata = parsed(await text(await exporter.exportCsv(auditor(), { range, zone: 'Asia/Kolkata' })));
    assert.equal(kolkata.at(-1)?.When, '2026-11-10T17:30:00+05:30');
    const utc = parsed(await text(await exporter.exportCsv(auditor(), { range, zone: 'UTC' })));
    assert.equal(utc.at(-1)?.When, '2026-11-10T12:00:00+00:00');
    for (const r of berlin) assert.equal(new Date(r.When!).getTime(), Date.parse(newYork[berlin.indexOf(r)]!.When!), 'the same instants');

    const first = berlin[0]!;
    assert.deepEqual(first, {
      When: '2026-11-10T13:59:00+01:00', User: 'Test User', 'User ID': first['User ID'], 'Client address': '', 'User agent': '', Event: 'key_view', Outcome: 'ok',
      Customer: customer.companyName, 'Customer tenant ID': customer.tenantId, 'Customer ID': customer.id, 'Order ID': '', 'Line item number': '', 'Product ID': '', Product: '',
      'Link ID': '', Detail: 'Grüße, 東京 — ünïcödé',
    });
    assert.match(first['User ID']!, /^(msteams|slack):\S+$/, 'the user\'s id on the channel');
    const downloads = berlin.filter((r) => r.Event === 'download' && r.Outcome === 'ok');
    assert.deepEqual(downloads.map((r) => [r.User, r['Client address']]).sort(), [['', '203.0.113.7'], ['', '203.0.113.8']]);
  });

  it('cells a spreadsheet would read as formulas start with a single quote (OWASP); every cell is quoted, quotes and line breaks kept', async () => {
    const csv = await text(await exporter.exportCsv(auditor(), { range, zone: 'Europe/Berlin' }));
    const rows = parsed(csv);
    const cells = rows.flatMap((r) => Object.values(r));
    assert.ok(cells.includes('\'=HYPERLINK("http://evil")'));
    assert.ok(cells.includes("'+SUM(A1)"));
    assert.ok(cells.includes('\'@cmd|"/c calc"!A0'));
    assert.ok(cells.includes("'-2+3"));
    assert.ok(cells.includes('\'\tTabbed, "quoted"\r\nand two lines'));
    for (const cell of cells) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, cell);
    // Every field quoted: each record line of the raw file starts and ends with a quote.
    const lines = csv.slice(1).split('\r\n').filter((l) => l !== '');
    assert.ok(lines.every((l) => l.startsWith('"') || /^and two lines/.test(l)), 'quoted');
  });

  it('the filters and isolation of the view: another partner\'s rows never, a filter naming another partner\'s customer refused', async () => {
    const csv = await text(await exporter.exportCsv(auditor(), { range, zone: 'UTC' }));
    assert.doesNotMatch(csv, /partner B secret/);
    assert.equal(parsed(csv).length, 7);
    const downloads = parsed(await text(await exporter.exportCsv(auditor(), { range, filter: { kind: 'downloads' }, zone: 'UTC' })));
    assert.deepEqual(downloads.map((r) => r.Event), ['download', 'download', 'download']);
    await assert.rejects(exporter.exportCsv(auditor(), { range, filter: { customerId: w.woodgrove.id }, zone: 'UTC' }), (err: unknown) => isRefusal(err) && err.refusal.code === 'customer_not_found');
    await assert.rejects(exporter.exportCsv(auditor(), { range: { from: at(60), to: at(0) }, zone: 'UTC' }), (err: unknown) => isRefusal(err) && err.refusal.code === 'invalid_range');
    await assert.rejects(exporter.exportCsv(auditor(), { range, zone: 'Mars/Olympus_Mons' }), RangeError);
  });

  it('names the customers even on a pool of one connection (the cursor holds it: names are read before it starts)', async () => {
    const single = newTestPool(1);
    try {
      const rows = parsed(await text(await exporterOn(single, 2).exportCsv(auditor(), { range, zone: 'UTC' })));
      const named = rows.filter((r) => r['Customer ID'] === customer.id);
      assert.ok(named.length > 0);
      assert.ok(named.every((r) => r.Customer === customer.companyName && r['Customer tenant ID'] === customer.tenantId), 'every row names its customer');
    } finally {
      await single.end();
    }
  });

  it('an empty range: the BOM and the header only', async () => {
    const csv = await text(await exporter.exportCsv(auditor(), { range: { from: at(-30), to: at(-10) }, zone: 'UTC' }));
    assert.deepEqual(parsed(csv), []);
  });

  it('a user without one of the roles is refused before any byte, told the roles, and the refusal is recorded', async () => {
    const before = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = 'log_viewed' AND outcome = 'forbidden'", [p.partnerId]);
    await assert.rejects(exporter.exportCsv(actorOf(p, ['sales_agent']), { range, zone: 'UTC' }), (err: unknown) => err instanceof ForbiddenError && err.requiredRoles.includes('account_admin'));
    const after = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM activity_log WHERE partner_id = $1 AND event = 'log_viewed' AND outcome = 'forbidden'", [p.partnerId]);
    assert.equal(after.rows[0]!.n, before.rows[0]!.n + 1);
  });

  describe('the connection', () => {
    let one: Db;
    beforeEach(() => {
      one = newTestPool(1);
    });
    afterEach(async () => {
      await one.end();
    });

    it('a consumer that stops early (break) gives the cursor and the connection back: the next query on a one-connection pool runs', async () => {
      let chunks = 0;
      for await (const chunk of await exporterOn(one, 2).exportCsv(auditor(), { range, zone: 'UTC' })) {
        assert.ok(chunk.length > 0);
        if (++chunks === 2) break; // the header and the first batch; the cursor has more
      }
      assert.equal(chunks, 2);
      assert.deepEqual({ total: one.totalCount, idle: one.idleCount }, { total: 1, idle: 1 });
      assert.equal((await one.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
      // And the connection is clean: a whole export on it afterwards has every row.
      assert.equal(parsed(await text(await exporterOn(one, 2).exportCsv(auditor(), { range, zone: 'UTC' }))).length, 7);
    });

    it('a stream destroyed by its consumer (a failed upload) gives the connection back', async () => {
      const stream = Readable.from(await exporterOn(one, 2).exportCsv(auditor(), { range, zone: 'UTC' }));
      let chunks = 0;
      await new Promise<void>((resolve) => {
        stream.on('data', () => {
          if (++chunks === 2) stream.destroy(new Error('upload failed'));
        });
        stream.on('error', () => undefined);
        stream.on('close', () => resolve());
      });
      assert.equal((await one.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
      assert.deepEqual({ total: one.totalCount, idle: one.idleCount }, { total: 1, idle: 1 });
    });

    it('a connection that fails mid-file is discarded and the consumer gets the error', async () => {
      const pid = (await one.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid; // the pool's one connection, the export's
      const chunks = await exporterOn(one, 2).exportCsv(auditor(), { range, zone: 'UTC' });
      let read = 0;
      await assert.rejects(async () => {
        for await (const _ of chunks) {
          if (++read === 2) await db.query('SELECT pg_terminate_backend($1)', [pid]); // the cursor is open, more rows to come
        }
      });
      assert.equal(read, 2);
      const fresh = await one.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      assert.notEqual(fresh.rows[0]!.pid, pid, 'a new connection, not the broken one');
    });
  });
});
