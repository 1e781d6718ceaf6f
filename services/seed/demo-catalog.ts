/**
 * The demo catalog: every product kind of R2, with realistic SKUs, quantities and
 * plausible (not Microsoft's) prices in each market's own currency, plus the
 * Version × Language × File type choices of downloadable products (R9).
 * Product ids follow Partner Center's shapes (DG7GMGF0… software, DZH318Z0… Azure);
 * a few are Partner Center's documented examples, the rest are made up.
 */
import type { ImportDocumentInput } from '../import.js';
import { currencyMinorDigits } from '../commerce/rules.js';
import type { BillingCycle, ProductKind, Term } from '../commerce/types.js';
import marketsFile from './markets.json' with { type: 'json' };

interface DemoSku {
  id: string;
  title: string;
  term: Term;
  billing?: BillingCycle;
  min: number;
  max: number;
  /** List price of one unit in US cents; other markets are derived from it. */
  usdCents: number;
}

interface DemoProduct {
  id: string;
  kind: ProductKind;
  title: string;
  publisher?: string;
  description: string;
  azureHybridBenefit?: boolean;
  skus: DemoSku[];
  downloads?: { versions: string[]; fileTypes: string[]; filePrefix: string };
}

const LANGUAGES = ['en-US', 'de-DE', 'fr-FR', 'ja-JP', 'pt-BR'];

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  // --- Azure reservations ---------------------------------------------------------
  {
    id: 'DZH318Z0BQ3Q',
    kind: 'azure_reservation',
    title: 'Reserved VM Instance, Dsv5 Series',
    description: 'Prepay Azure virtual machines for one or three years and save compared to pay-as-you-go. Combine with the Azure Hybrid Benefit for Windows Server.',
    skus: [
      { id: '0001', title: 'Standard_D2s_v5 (2 vCPU) – 1 year', term: 'P1Y', min: 1, max: 100, usdCents: 53_000 },
      { id: '0002', title: 'Standard_D2s_v5 (2 vCPU) – 3 years', term: 'P3Y', min: 1, max: 100, usdCents: 102_000 },
      { id: '0003', title: 'Standard_D4s_v5 (4 vCPU) – 1 year', term: 'P1Y', min: 1, max: 100, usdCents: 106_000 },
      { id: '0004', title: 'Standard_D4s_v5 (4 vCPU) – 3 years', term: 'P3Y', min: 1, max: 100, usdCents: 204_000 },
    ],
  },
  {
    id: 'DZH318Z0BXWC',
    kind: 'azure_reservation',
    title: 'SQL Database Reserved Capacity, General Purpose Gen5',
    description: 'Reserved vCores for Azure SQL Database (General Purpose, Gen5 hardware), one or three years.',
    skus: [
      { id: '0001', title: '1 vCore – 1 year', term: 'P1Y', min: 1, max: 1000, usdCents: 140_000 },
      { id: '0002', title: '1 vCore – 3 years', term: 'P3Y', min: 1, max: 1000, usdCents: 275_000 },
    ],
  },
  {
    id: 'DZH318Z0C0MP',
    kind: 'azure_reservation',
    title: 'Azure Cosmos DB Reserved Capacity',
    description: 'Reserved throughput for Azure Cosmos DB, in units of 100 RU/s.',
    skus: [{ id: '0001', title: '100 RU/s – 1 year', term: 'P1Y', min: 1, max: 10_000, usdCents: 5_600 }],
  },
  // --- Server subscriptions (R5: Windows Server with SA → Azure Hybrid Benefit) ------
  {
    id: 'DG7GMGF0D7FV',
    kind: 'server_subscription',
    title: 'Windows Server Datacenter',
    description: 'Windows Server Datacenter core licences as a subscription, Software Assurance included. Licence at least 16 cores per server (8 two-core packs).',
    azureHybridBenefit: true,
    skus: [
      { id: '0001', title: '2 Core License Pack – 1 year', term: 'P1Y', min: 8, max: 1000, usdCents: 29_800 },
      { id: '0002', title: '2 Core License Pack – 3 years', term: 'P3Y', min: 8, max: 1000, usdCents: 84_900 },
    ],
    downloads: { versions: ['Windows Server 2025', 'Windows Server 2022'], fileTypes: ['ISO', 'VHD'], filePrefix: 'Win_Server_DC' },
  },
  {
    id: 'DG7GMGF0D7FW',
    kind: 'server_subscription',
    title: 'Windows Server Standard',
    description: 'Windows Server Standard core licences as a subscription, Software Assurance included. Licence at least 16 cores per server (8 two-core packs).',
    azureHybridBenefit: true,
    skus: [
      { id: '0001', title: '2 Core License Pack – 1 year', term: 'P1Y', min: 8, max: 1000, usdCents: 5_900 },
      { id: '0002', title: '2 Core License Pack – 3 years', term: 'P3Y', min: 8, max: 1000, usdCents: 16_800 },
    ],
    downloads: { versions: ['Windows Server 2025', 'Windows Server 2022'], fileTypes: ['ISO', 'VHD'], filePrefix: 'Win_Server_STD' },
  },
  {
    id: 'DG7GMGF0DVT7',
    kind: 'server_subscription',
    title: 'Windows Server CAL',
    description: 'Client access licences for Windows Server, per user or per device.',
    skus: [
      { id: '0001', title: '1 User CAL – 1 year', term: 'P1Y', min: 1, max: 10_000, usdCents: 2_200 },
      { id: '000C', title: '1 Device CAL – 3 years', term: 'P3Y', min: 1, max: 10_000, usdCents: 6_000 },
    ],
  },
  {
    id: 'DG7GMGF0FKZW',
    kind: 'server_subscription',
    title: 'SQL Server Standard',
    description: 'SQL Server Standard core licences as a subscription. Licence at least 4 cores per virtual machine (2 two-core packs).',
    skus: [
      { id: '0001', title: '2 Core License Pack – 1 year', term: 'P1Y', min: 2, max: 500, usdCents: 185_900 },
      { id: '0003', title: '2 Core License Pack – 3 years', term: 'P3Y', min: 2, max: 500, usdCents: 520_000 },
    ],
    downloads: { versions: ['SQL Server 2022', 'SQL Server 2019'], fileTypes: ['ISO'], filePrefix: 'SQL_Svr_Standard' },
  },
  {
    id: 'DG7GMGF0FKZV',
    kind: 'server_subscription',
    title: 'SQL Server Enterprise',
    description: 'SQL Server Enterprise core licences as a subscription. Licence at least 4 cores per virtual machine (2 two-core packs).',
    skus: [
      { id: '0001', title: '2 Core License Pack – 1 year', term: 'P1Y', min: 2, max: 500, usdCents: 712_800 },
      { id: '0003', title: '2 Core License Pack – 3 years', term: 'P3Y', min: 2, max: 500, usdCents: 1_995_800 },
    ],
    downloads: { versions: ['SQL Server 2022', 'SQL Server 2019'], fileTypes: ['ISO'], filePrefix: 'SQL_Svr_Enterprise' },
  },
  // --- Perpetual software -------------------------------------------------------------
  {
    id: 'DG7GMGF0DWTL',
    kind: 'perpetual_software',
    title: 'Windows Server 2022 Standard',
    description: 'Perpetual licence, without Software Assurance. Licence at least 16 cores per server (8 two-core packs).',
    skus: [{ id: '0001', title: '2 Core License Pack', term: 'one_time', min: 8, max: 1000, usdCents: 13_400 }],
    downloads: { versions: ['Windows Server 2022'], fileTypes: ['ISO', 'VHD'], filePrefix: 'Win_Server_STD_CORE' },
  },
  {
    id: 'DG7GMGF0DWTM',
    kind: 'perpetual_software',
    title: 'Windows Server 2022 Datacenter',
    description: 'Perpetual licence, without Software Assurance. Licence at least 16 cores per server (8 two-core packs).',
    skus: [{ id: '0001', title: '2 Core License Pack', term: 'one_time', min: 8, max: 1000, usdCents: 84_600 }],
    downloads: { versions: ['Windows Server 2022'], fileTypes: ['ISO', 'VHD'], filePrefix: 'Win_Server_DC_CORE' },
  },
  {
    id: 'DG7GMGF0DT1M',
    kind: 'perpetual_software',
    title: 'SQL Server 2022 Standard',
    description: 'Perpetual licence: per core (2-core packs, at least 4 cores), or per server with client access licences.',
    skus: [
      { id: '0001', title: '2 Core License Pack', term: 'one_time', min: 2, max: 500, usdCents: 394_500 },
      { id: '0002', title: 'Server License', term: 'one_time', min: 1, max: 500, usdCents: 98_900 },
    ],
    downloads: { versions: ['SQL Server 2022'], fileTypes: ['ISO'], filePrefix: 'SQL_Svr_Standard' },
  },
  {
    id: 'DG7GMGF0F4MJ',
    kind: 'perpetual_software',
    title: 'Office LTSC Professional Plus 2024',
    description: 'Perpetual licence per device for the long-term servicing channel of Office.',
    skus: [{ id: '0001', title: '1 device', term: 'one_time', min: 1, max: 500, usdCents: 51_000 }],
    downloads: { versions: ['Office LTSC Professional Plus 2024'], fileTypes: ['64-bit', '32-bit'], filePrefix: 'Office_LTSC_ProPlus' },
  },
  // --- Software plans (R16: cannot be cancelled or exchanged) ------------------------
  {
    id: 'DZH318Z0BPS6',
    kind: 'software_plan',
    title: 'SUSE Linux Enterprise Server Standard – software plan',
    publisher: 'SUSE',
    description: 'Prepaid SUSE Linux Enterprise Server software charges for Azure virtual machines.',
    skus: [
      { id: '0001', title: '1–2 vCPU VM – 1 year', term: 'P1Y', min: 1, max: 100, usdCents: 10_000 },
      { id: '0002', title: '1–2 vCPU VM – 3 years', term: 'P3Y', min: 1, max: 100, usdCents: 27_000 },
      { id: '0003', title: '3+ vCPU VM – 1 year', term: 'P1Y', min: 1, max: 100, usdCents: 22_000 },
    ],
  },
  {
    id: 'DZH318Z0BPS7',
    kind: 'software_plan',
    title: 'Red Hat Enterprise Linux – software plan',
    publisher: 'Red Hat',
    description: 'Prepaid Red Hat Enterprise Linux software charges for Azure virtual machines.',
    skus: [
      { id: '0001', title: '1–4 vCPU VM – 1 year', term: 'P1Y', min: 1, max: 100, usdCents: 40_000 },
      { id: '0002', title: '1–4 vCPU VM – 3 years', term: 'P3Y', min: 1, max: 100, usdCents: 110_000 },
    ],
  },
];

/**
 * Demo exchange rates in thousandths per US dollar. Every market whose currency is
 * listed here gets prices; markets in other currencies have none (the catalog shows
 * nothing to buy there — a real answer, not an error).
 */
const RATES_MILLI: Readonly<Record<string, number>> = {
  USD: 1_000, EUR: 920, GBP: 790, AUD: 1_520, BRL: 5_000, JPY: 150_000, CAD: 1_360, INR: 83_000,
};

/** R4 markets show tax-inclusive prices: GST 10 % (AU), an approximate 15 % (BR). In thousandths. */
const TAX_FACTOR_MILLI: Readonly<Record<string, number>> = { AU: 1_100, BR: 1_150 };

/** Where these demo prices apply from (fixed, so that seeding is idempotent). */
export const DEMO_PRICES_FROM = '2020-01-01';

/** usdCents converted and rounded to whole units of the target currency, in its minor units. Integer arithmetic. */
export function demoPriceMinor(usdCents: number, currency: string, market: string): number {
  const rate = RATES_MILLI[currency];
  if (rate === undefined) throw new Error(`no demo rate for ${currency}`);
  const numerator = BigInt(usdCents) * BigInt(rate) * BigInt(TAX_FACTOR_MILLI[market] ?? 1_000);
  const denominator = 100n * 1_000n * 1_000n;
  const wholeUnits = (numerator + denominator / 2n) / denominator;
  return Number(wholeUnits * 10n ** BigInt(currencyMinorDigits(currency)));
}

function demoFileName(prefix: string, version: string, language: string, fileType: string): string {
  const bits = fileType.includes('32') ? '32Bit' : '64Bit';
  const ext = fileType === 'VHD' ? 'vhdx' : fileType === 'ISO' ? 'iso' : 'img';
  return `SW_DVD9_${prefix}_${version.replace(/\D/g, '')}_${bits}_${language}.${ext}`;
}

export function demoCatalog(): Pick<ImportDocumentInput, 'markets' | 'products' | 'skus' | 'prices' | 'variants'> {
  const markets = marketsFile.markets;
  const pricedMarkets = markets.filter((m) => RATES_MILLI[m.currency] !== undefined);
  return {
    markets: markets.map((m) => ({ code: m.code, name: m.name, currency: m.currency, taxIncluded: m.taxIncluded })),
    products: DEMO_PRODUCTS.map((p) => ({
      id: p.id, kind: p.kind, title: p.title, publisher: p.publisher ?? 'Microsoft Corporation',
      description: p.description, azureHybridBenefit: p.azureHybridBenefit ?? false,
    })),
    skus: DEMO_PRODUCTS.flatMap((p) =>
      p.skus.map((s) => ({
        productId: p.id, id: s.id, title: s.title, term: s.term,
        billing: s.billing ?? 'one_time', minQuantity: s.min, maxQuantity: s.max,
      })),
    ),
    prices: DEMO_PRODUCTS.flatMap((p) =>
      p.skus.flatMap((s) =>
        pricedMarkets.map((m) => ({
          productId: p.id, skuId: s.id, market: m.code, currency: m.currency,
          unitPriceMinor: demoPriceMinor(s.usdCents, m.currency, m.code), effectiveFrom: DEMO_PRICES_FROM,
        })),
      ),
    ),
    variants: DEMO_PRODUCTS.flatMap((p) => {
      const d = p.downloads;
      if (!d) return [];
      return d.versions.flatMap((version) =>
        LANGUAGES.flatMap((language) =>
          d.fileTypes.map((fileType) => ({
            productId: p.id, version, language, fileType,
            fileName: demoFileName(d.filePrefix, version, language, fileType),
          })),
        ),
      );
    }),
  };
}
