import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { PRODUCT_KINDS } from '../../services/commerce/types.js';
import { DEMO_PARTNER, DEMO_USERS, OTHER_DEMO_PARTNER, seedDemoData } from '../../services/seed/demo.js';
import { variantsOf } from '../../services/software/variants.js';
import unavailable from '../../services/seed/azure-reservation-unavailable-markets.json' with { type: 'json' };
import marketsFile from '../../services/seed/markets.json' with { type: 'json' };
import { silentLogger } from '../commerce/factories.js';
import { testDb } from '../support/db.js';

/**
 * The source document (Microsoft's "Sell software subscriptions through CSP" page) lives in
 * the project's shared folder beside the repository (as in CI); it is not copied in here.
 */
const SEED_DOC = process.env.CSP_SEED_DOC ?? path.resolve('..', 'shared', 'seed', 'sell-software-subscriptions-through-csp.en.md');

/** The names in the seed page's "Azure reservations unavailable markets" table. */
function unavailableNamesInSeedDoc(): string[] {
  const md = fs.readFileSync(SEED_DOC, 'utf8');
  const start = md.indexOf('<a name="azure-reservations-unavailable-markets">');
  const end = md.indexOf('## ', start + 1);
  assert.ok(start > 0 && end > start, 'the section is in the seed document');
  return md
    .slice(start, end)
    .split('\n')
    .filter((line) => /^>\s*\|/.test(line) && !/---/.test(line))
    .flatMap((line) => line.replace(/^>\s*/, '').split('|').slice(1, -1).map((cell) => cell.trim()))
    .filter((cell) => cell !== '' && cell !== '&nbsp;' && cell !== 'Unavailable markets');
}

const COUNTED_TABLES = ['partners', 'partner_channels', 'users', 'user_roles', 'markets', 'products', 'skus', 'prices', 'software_variants',
  'customers', 'customer_domains', 'azure_reservation_unavailable_lists', 'azure_reservation_unavailable_markets', 'product_kinds', 'orders', 'revoked_purchases'];

describe('services/seed/demo', () => {
  const db = testDb();
  const backend = new EmbeddedCommerceBackend(db);

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of COUNTED_TABLES) out[t] = Number((await db.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    return out;
  }

  async function partnerIdOf(tenantId: string): Promise<number> {
    const { rows } = await db.query("SELECT partner_id FROM partner_channels WHERE channel = 'msteams' AND external_id = $1", [tenantId]);
    return Number(rows[0].partner_id);
  }

  before(() => seedDemoData(db, { logger: silentLogger }));

  it('is idempotent: seeding again — even twice at once, as bot and worker do at start-up — adds nothing', async () => {
    const first = await counts();
    await seedDemoData(db, { logger: silentLogger });
    await Promise.all([seedDemoData(db, { logger: silentLogger }), seedDemoData(db, { logger: silentLogger })]);
    assert.deepEqual(await counts(), first);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM partners WHERE name = $1', [DEMO_PARTNER.name]);
    assert.equal(rows[0].n, 1);
  });

  it('seeds two purchases for Contoso GmbH once: one with keys and downloads, one cancelled (key not available)', async () => {
    const { rows } = await db.query<{ idempotency_key: string; status: string; revoked: boolean }>(
      `SELECT o.idempotency_key, o.status, EXISTS (SELECT 1 FROM revoked_purchases r WHERE r.order_id = o.id) AS revoked
         FROM orders o JOIN customers c ON c.id = o.customer_id
        WHERE c.primary_domain = 'contoso-de.onmicrosoft.com' AND o.idempotency_key LIKE 'demo-seed-%' ORDER BY o.idempotency_key`,
    );
    assert.deepEqual(rows.map((r) => [r.idempotency_key, r.status, r.revoked]), [
      ['demo-seed-contoso-sql-2022', 'cancelled', true],
      ['demo-seed-contoso-ws-datacenter', 'completed', false],
    ]);
  });

  it('keeps roles changed in chat: a re-seed (every start) does not grant a revoked demo role again', async () => {
    const megan = DEMO_USERS.find((u) => u.displayName === 'Megan Bowen')!;
    const where = `user_id = (SELECT id FROM users WHERE external_id = $1) AND role = 'sales_agent'`;
    await db.query(`DELETE FROM user_roles WHERE ${where}`, [megan.externalId]);
    await seedDemoData(db, { logger: silentLogger });
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM user_roles WHERE ${where}`, [megan.externalId]);
    assert.equal(rows[0].n, 0);
    await db.query(`INSERT INTO user_roles (user_id, role) SELECT id, 'sales_agent' FROM users WHERE external_id = $1`, [megan.externalId]);
  });

  describe('the Azure reservations unavailable-markets list (R3)', () => {
    it('holds every name of the seed document (109 as of Nov 30 2019), each mapped to a country code', function () {
      if (!fs.existsSync(SEED_DOC)) {
        // The shared folder lies beside the clone here and in CI; a bare clone elsewhere may lack it.
        console.warn(`      (skipped: source document not found at ${SEED_DOC}; set CSP_SEED_DOC)`);
        this.skip();
      }
      const names = unavailableNamesInSeedDoc();
      assert.equal(names.length, 109);
      assert.equal(unavailable.markets.length, names.length);
      assert.deepEqual(unavailable.markets.map((m) => m.name).sort(), [...names].sort());
      for (const m of unavailable.markets) assert.match(m.code, /^[A-Z]{2}$/, m.name);
      assert.equal(unavailable.version, '2019-11-30');
    });

    it('is stored as versioned data, one row per name', async () => {
      const { rows } = await db.query('SELECT count(*)::int AS n, count(DISTINCT country_code)::int AS codes FROM azure_reservation_unavailable_markets WHERE list_version = $1', [unavailable.version]);
      assert.equal(rows[0].n, unavailable.markets.length);
      // Bonaire, Saba and Sint Eustatius share BQ; Svalbard and Jan Mayen share SJ.
      assert.equal(rows[0].codes, unavailable.markets.length - 3);
    });

    it('maps names that are easy to get wrong to the right codes', () => {
      const code = (name: string) => unavailable.markets.find((m) => m.name === name)?.code;
      assert.deepEqual(
        ['Congo', 'Congo (DRC)', 'Swaziland', 'Kosovo', 'Saint Martin', 'Sint Maarten', 'Micronesia', 'Vatican City', 'Laos', 'Jan Mayen', 'Saba'].map(code),
        ['CG', 'CD', 'SZ', 'XK', 'MF', 'SX', 'FM', 'VA', 'LA', 'SJ', 'BQ'],
      );
    });

    it('every listed market is a market with a currency', async () => {
      for (const m of unavailable.markets) assert.ok(await backend.getMarket(m.code), `${m.code} (${m.name}) is a market`);
    });
  });

  it('markets: every market has an ISO 4217 currency; only Australia and Brazil include tax (R4)', () => {
    const byCode = new Map(marketsFile.markets.map((m) => [m.code, m]));
    for (const cc of ['DE', 'US', 'AU', 'BR', 'GB', 'FR', 'JP', 'CA', 'IN']) assert.ok(byCode.has(cc), cc);
    assert.deepEqual(marketsFile.markets.filter((m) => m.taxIncluded).map((m) => m.code).sort(), ['AU', 'BR']);
    assert.deepEqual(['DE', 'US', 'AU', 'BR', 'JP', 'AD'].map((cc) => byCode.get(cc)?.currency), ['EUR', 'USD', 'AUD', 'BRL', 'JPY', 'EUR']);
  });

  it('the demo partner is recognised on Teams (Playground tenant) and Slack, with its users and roles', async () => {
    const { rows } = await db.query(
      `SELECT pc.channel, pc.external_id, p.name FROM partner_channels pc JOIN partners p ON p.id = pc.partner_id
        WHERE (pc.channel, pc.external_id) IN (('msteams', $1), ('slack', $2)) ORDER BY pc.channel`,
      [DEMO_PARTNER.teamsTenantId, DEMO_PARTNER.slackTeamId],
    );
    assert.deepEqual(rows.map((r) => r.name), [DEMO_PARTNER.name, DEMO_PARTNER.name]);
    const partnerId = await partnerIdOf(DEMO_PARTNER.teamsTenantId);
    const roles = await db.query(
      `SELECT u.channel, u.external_id, u.display_name, array_agg(r.role ORDER BY r.role) AS roles
         FROM users u JOIN user_roles r ON r.user_id = u.id
        WHERE u.partner_id = $1 AND u.external_id = ANY($2) GROUP BY u.id ORDER BY u.external_id`,
      [partnerId, DEMO_USERS.map((u) => u.externalId)],
    );
    assert.deepEqual(roles.rows.map((r) => [r.channel, r.external_id, r.display_name, r.roles]), [
      ['msteams', '00000000-0000-0000-0000-0000000000020', 'Alex Wilber', ['admin_agent', 'global_admin']],
      ['msteams', '00000000-0000-0000-0000-0000000000021', 'Megan Bowen', ['sales_agent']],
      ['msteams', '00000000-0000-0000-0000-0000000000022', 'Adele Vance', ['account_admin']],
      ['slack', 'U0DEMOADMIN', 'Demo Admin', ['admin_agent', 'global_admin']],
    ]);
  });

  it('demo customers cover DE, US, AU, BR and a market without Azure reservations; "contoso" finds several', async () => {
    const partnerId = await partnerIdOf(DEMO_PARTNER.teamsTenantId);
    const { rows } = await db.query('SELECT DISTINCT billing_country FROM customers WHERE partner_id = $1', [partnerId]);
    const countries = rows.map((r) => r.billing_country as string);
    for (const cc of ['DE', 'US', 'AU', 'BR']) assert.ok(countries.includes(cc), cc);
    const unavailableCodes = new Set(unavailable.markets.map((m) => m.code));
    assert.ok(countries.some((cc) => unavailableCodes.has(cc)), 'a customer in a market without Azure reservations');
    assert.ok((await backend.findCustomers(partnerId, 'contoso')).customers.length >= 2);
    assert.deepEqual((await backend.findCustomers(partnerId, 'contoso-de.onmicrosoft.com')).customers.map((c) => c.companyName), ['Contoso GmbH']);
  });

  it('the second demo partner has its own customer, invisible to the first', async () => {
    const demo = await partnerIdOf(DEMO_PARTNER.teamsTenantId);
    const other = await partnerIdOf(OTHER_DEMO_PARTNER.teamsTenantId);
    assert.notEqual(demo, other);
    assert.deepEqual((await backend.findCustomers(other, 'woodgrove')).customers.map((c) => c.companyName), ['Woodgrove Bank AG']);
    assert.deepEqual((await backend.findCustomers(demo, 'woodgrove')).customers, []);
  });

  it('the catalog offers every product kind in Germany, with quantity limits, variants and the R5/R16 flags', async () => {
    const offers = await backend.listProducts({ market: 'DE' });
    assert.deepEqual([...new Set(offers.map((o) => o.kind))].sort(), [...PRODUCT_KINDS].sort());
    for (const o of offers) for (const s of o.skus) assert.ok(s.minQuantity >= 1 && s.maxQuantity >= s.minQuantity && s.price.currency === 'EUR');
    assert.ok(offers.filter((o) => o.kind === 'software_plan').every((o) => !o.cancellation.cancellable));
    const windowsServer = offers.filter((o) => /^Windows Server (Datacenter|Standard)$/.test(o.title));
    assert.equal(windowsServer.length, 2);
    assert.ok(windowsServer.every((o) => o.azureHybridBenefit && o.kind === 'server_subscription'));
    const terms = new Set(offers.flatMap((o) => o.skus.map((s) => s.term)));
    assert.deepEqual([...terms].sort(), ['P1Y', 'P3Y', 'one_time']);
    const sql = await variantsOf(db, 'DG7GMGF0FKZV');
    assert.deepEqual([...new Set(sql.map((v) => v.version))], ['SQL Server 2022', 'SQL Server 2019']);
  });
});
