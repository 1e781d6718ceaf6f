import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { EmbeddedCommerceBackend } from '../../services/commerce/embedded.js';
import { ImportError, importFile, type ImportDocumentInput } from '../../services/import.js';
import { testDb } from '../support/db.js';
import { createCustomer, createPartner, ensureDemoData } from './factories.js';

type Sample = Required<Pick<ImportDocumentInput, 'markets' | 'products' | 'skus' | 'prices' | 'variants' | 'partners' | 'customers'>> & ImportDocumentInput;

const readSample = (): Sample => JSON.parse(fs.readFileSync('examples/import-sample.json', 'utf8')) as Sample;

const TABLES = ['markets', 'products', 'skus', 'prices', 'software_variants', 'partners', 'partner_channels', 'customers', 'customer_domains',
  'azure_reservation_unavailable_lists', 'azure_reservation_unavailable_markets'];

describe('services/import', () => {
  const db = testDb();
  const backend = new EmbeddedCommerceBackend(db);

  async function tableCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of TABLES) out[t] = Number((await db.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    return out;
  }

  /** Import must fail with an issue at `path` whose message matches, and write nothing. */
  async function rejects(json: unknown, path: string, message: RegExp): Promise<void> {
    const before = await tableCounts();
    await assert.rejects(importFile(db, json), (e: unknown) => {
      assert.ok(e instanceof ImportError, String(e));
      const issue = e.issues.find((i) => i.path === path);
      assert.ok(issue, `expected an issue at ${path}, got:\n${e.message}`);
      assert.match(issue.message, message);
      assert.ok(e.message.includes(`${path}: `), 'the message names the path');
      return true;
    });
    assert.deepEqual(await tableCounts(), before, 'nothing was written');
  }

  before(() => ensureDemoData(db));

  it('imports the sample file, and importing it again changes nothing', async () => {
    const { counts } = await importFile(db, readSample());
    assert.deepEqual(counts, { markets: 3, productKinds: 1, products: 2, skus: 3, prices: 6, variants: 3, unavailableMarkets: 0, partners: 1, customers: 2 });
    const after = await tableCounts();
    await importFile(db, readSample());
    assert.deepEqual(await tableCounts(), after);

    const partner = await db.query("SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = 'T0FOURTH01'");
    const partnerId = Number(partner.rows[0].partner_id);
    const found = await backend.findCustomers(partnerId, 'graphicdesigninstitute.at');
    assert.deepEqual(found.customers.map((c) => [c.companyName, c.market.countryCode]), [['Graphic Design Institute GmbH', 'AT']]);
    const ch = await backend.listProducts({ market: 'CH', search: 'Windows Server 2025' });
    assert.deepEqual(ch.map((p) => [p.id, p.skus.map((s) => [s.price.currency, s.price.unitPriceMinor])]), [['DG7GMGF0M1AA', [['CHF', 13000]]]]);
    assert.equal((await backend.getProduct('DG7GMGF0M1AB'))?.cancellation.windowDays, 30);
  });

  it('updates what is already there (upsert by natural keys)', async () => {
    const doc = readSample();
    doc.customers[1]!.companyName = 'Trey Research AG (renamed)';
    await importFile(db, { partners: doc.partners, customers: [doc.customers[1]] });
    const partner = await db.query("SELECT partner_id FROM partner_channels WHERE channel = 'slack' AND external_id = 'T0FOURTH01'");
    const found = await backend.findCustomers(Number(partner.rows[0].partner_id), doc.customers[1]!.tenantId);
    assert.equal(found.customers[0]?.companyName, 'Trey Research AG (renamed)');
    await importFile(db, readSample());
  });

  describe('refuses invalid input with the path of each problem, and writes nothing', () => {
    it('a tenant id that is not a GUID', async () => {
      const doc = readSample();
      doc.customers[1]!.tenantId = '4a9f8e7d-3c2b-4a1f-8e9d';
      await rejects(doc, 'customers[1].tenantId', /not a GUID/);
    });

    it('a price whose currency is not the market\'s', async () => {
      const doc = readSample();
      doc.prices[2]!.currency = 'EUR';
      await rejects(doc, 'prices[2].currency', /EUR does not match market CH, whose currency is CHF/);
    });

    it('a price for an unknown product or SKU', async () => {
      const doc = readSample();
      doc.prices[0]!.productId = 'DG7GMGF0ZZZZ';
      await rejects(doc, 'prices[0].productId', /unknown product DG7GMGF0ZZZZ/);
      const doc2 = readSample();
      doc2.prices[1]!.skuId = '0042';
      await rejects(doc2, 'prices[1].skuId', /has no SKU 0042/);
    });

    it('a price in a market nobody defined, and a non-integer amount', async () => {
      const doc = readSample();
      doc.prices[0]!.market = 'QQ';
      await rejects(doc, 'prices[0].market', /unknown market QQ/);
      const doc2 = readSample();
      (doc2.prices[0] as { unitPriceMinor: number }).unitPriceMinor = 139.5;
      await rejects(doc2, 'prices[0].unitPriceMinor', /whole number/);
      const doc3 = readSample();
      doc3.prices[0]!.unitPriceMinor = -1;
      await rejects(doc3, 'prices[0].unitPriceMinor', />=0|at least|too small/i);
    });

    it('duplicate ids', async () => {
      const doc = readSample();
      doc.products.push({ ...doc.products[0]!, title: 'Twice' });
      await rejects(doc, 'products[2]', /duplicate product id DG7GMGF0M1AA \(also products\[0\]\)/);
      const doc2 = readSample();
      doc2.customers.push({ ...doc2.customers[0]!, primaryDomain: 'other-domain.onmicrosoft.com', domains: [] });
      await rejects(doc2, 'customers[2]', /duplicate customer tenant/);
    });

    it('a SKU whose maximum is below its minimum, or an unknown product kind', async () => {
      const doc = readSample();
      doc.skus[0]!.maxQuantity = 2;
      await rejects(doc, 'skus[0].maxQuantity', /at least minQuantity \(8\)/);
      const doc2 = readSample();
      (doc2.products[0] as { kind: string }).kind = 'saas';
      await rejects(doc2, 'products[0].kind', /azure_reservation/);
    });

    it('a misspelt field, a missing field, a bad country code or currency', async () => {
      const doc = readSample() as unknown as { customers: Array<Record<string, unknown>> };
      doc.customers[0]!.tenantID = doc.customers[0]!.tenantId;
      delete doc.customers[0]!.tenantId;
      await rejects(doc, 'customers[0]', /unknown field "tenantID"/);
      await rejects(doc, 'customers[0].tenantId', /is required/);
      const doc2 = readSample();
      doc2.markets[0]!.code = 'DEU';
      await rejects(doc2, 'markets[0].code', /ISO 3166-1 alpha-2/);
      const doc3 = readSample();
      doc3.markets[2]!.currency = 'CHX';
      await rejects(doc3, 'markets[2].currency', /ISO 4217/);
    });

    it('a customer of an unknown partner or in an unknown market', async () => {
      const doc = readSample();
      doc.customers[0]!.partner = 'msteams:nobody-knows-this-tenant';
      doc.customers[1]!.billingCountry = 'QQ';
      await rejects(doc, 'customers[0].partner', /no partner is recognised by msteams:nobody-knows-this-tenant/);
      await rejects(doc, 'customers[1].billingCountry', /unknown market QQ/);
    });

    it('a domain that already belongs to another customer of the partner', async () => {
      const partner = await createPartner(db, 'Domain owner');
      const owner = await createCustomer(db, partner, { companyName: 'Owner Ltd', billingCountry: 'GB', domains: ['owned-domain.co.uk'] });
      const doc = { customers: [{ partner: partner.ref, companyName: 'Intruder Ltd', tenantId: randomUUID(), primaryDomain: 'intruder.onmicrosoft.com', domains: ['OWNED-DOMAIN.co.uk'], billingCountry: 'GB' }] };
      await rejects(doc, 'customers[0].domains[0]', new RegExp(`owned-domain.co.uk already belongs to another customer of this partner \\(tenant ${owner.tenantId}\\)`));
    });

    it('a market currency change that would mislabel stored prices', async () => {
      await rejects({ markets: [{ code: 'DE', name: 'Germany', currency: 'USD' }] }, 'markets[0].currency', /DE already has prices in EUR/);
    });

    it('one bad row spoils the whole file: the valid new rows are not written either', async () => {
      const doc = readSample();
      doc.products.push({ id: 'DG7GMGF0NEW1', kind: 'perpetual_software', title: 'New product' });
      doc.partners.push({ name: 'New partner', channels: ['slack:T0NEWPARTNR'] });
      doc.customers[0]!.primaryDomain = 'not a domain';
      await rejects(doc, 'customers[0].primaryDomain', /not a domain name/);
      assert.equal(await backend.getProduct('DG7GMGF0NEW1'), null);
      const p = await db.query("SELECT 1 FROM partner_channels WHERE external_id = 'T0NEWPARTNR'");
      assert.equal(p.rowCount, 0);
    });

    it('something that is not an import document at all', async () => {
      await rejects([], '(file)', /expected object/);
      await rejects(null, '(file)', /expected object/);
    });
  });
});
