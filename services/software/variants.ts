/**
 * What can be downloaded for a product (R9): Version × Language × File type/OS — the
 * software module's own records (table software_variants), keyed by the catalog's product
 * id but tied to no commerce backend: Partner Center has no API for downloads, so these are
 * always this product's data, loaded by the operator's import (services/import.ts).
 */
import type { Queryable } from '../db/pool.js';

export interface SoftwareVariant {
  id: number;
  productId: string;
  version: string;
  /** BCP 47, e.g. en-US. */
  language: string;
  /** File type / OS, e.g. ISO, VHD, 64-bit. */
  fileType: string;
  fileName: string | null;
}

export type SoftwareVariantInput = Omit<SoftwareVariant, 'id' | 'fileName'> & { fileName?: string | null };

interface VariantRow {
  id: string;
  product_id: string;
  version: string;
  language: string;
  file_type: string;
  file_name: string | null;
}

/** A product's variants, newest version first. */
export async function variantsOf(q: Queryable, productId: string): Promise<SoftwareVariant[]> {
  const { rows } = await q.query<VariantRow>(
    'SELECT id, product_id, version, language, file_type, file_name FROM software_variants WHERE product_id = $1 ORDER BY version DESC, language, file_type',
    [productId],
  );
  return rows.map((v) => ({ id: Number(v.id), productId: v.product_id, version: v.version, language: v.language, fileType: v.file_type, fileName: v.file_name }));
}

/** Adds variants, or updates the file name of ones already there (an import run twice changes nothing). */
export async function upsertVariants(q: Queryable, variants: readonly SoftwareVariantInput[]): Promise<void> {
  if (variants.length === 0) return;
  await q.query(
    `INSERT INTO software_variants (product_id, version, language, file_type, file_name)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (product_id, version, language, file_type) DO UPDATE SET file_name = EXCLUDED.file_name`,
    [variants.map((v) => v.productId), variants.map((v) => v.version), variants.map((v) => v.language), variants.map((v) => v.fileType), variants.map((v) => v.fileName ?? null)],
  );
}
