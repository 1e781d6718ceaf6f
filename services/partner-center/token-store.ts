/**
 * The Secure Application Model's refresh token at rest (issue 12; research notes §1.1): one per
 * partner tenant, in partner_center_tokens (migration 0019), encrypted with the activation keys'
 * cipher (AES-256-GCM, services/software/key-crypto.ts) and bound to its tenant by the additional
 * authenticated data. Written by the consent script (a consent) and by ./auth.ts (a rotation:
 * Entra ID hands out a new refresh token with each exchange).
 *
 * A rotation never undoes a consent: it replaces the token only while the consent it was
 * exchanged from is still the stored one, so an exchange that was in flight while an operator
 * consented again (maybe with another account) leaves the new consent in place.
 *
 * Nothing here logs; no error message carries a token.
 */
import type { Db } from '../db/pool.js';
import { parseGuid } from '../commerce/rules.js';
import { scrubSecrets } from '../logger.js';
import type { KeyCipher } from '../software/key-crypto.js';

/** A stored refresh token, decrypted, with what the operator is shown about it. */
export interface StoredRefreshToken {
  partnerTenantId: string;
  refreshToken: string;
  /** Who consented (UPN), when known. */
  account: string | null;
  /** The last consent; identifies it for a rotation (`save`'s `rotatedFrom`). */
  consentedAt: Date;
  /** The last rotation since that consent, or null. */
  rotatedAt: Date | null;
  /** `AADSTS700082: The refresh token has expired…` — Entra ID's code and a short message, never a token. */
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface SaveRefreshTokenOptions {
  /** A consent: who signed in (UPN). Left out, a consent stores no account. Ignored for a rotation. */
  account?: string;
  /**
   * A rotation: the `consentedAt` of the stored token that was exchanged for this one. The token
   * is replaced only while that consent is still stored; `save` resolves false otherwise.
   * Left out, `save` is a consent: it replaces whatever is stored and clears the last error.
   */
  rotatedFrom?: Date;
}

/** What ./auth.ts needs of the store (a test may hand in another). */
export interface RefreshTokenStore {
  /** Throws KeyDecryptError when the stored token does not open with the configured keys. */
  load(partnerTenantId: string): Promise<StoredRefreshToken | null>;
  save(partnerTenantId: string, refreshToken: string, opts?: SaveRefreshTokenOptions): Promise<boolean>;
  recordFailure(partnerTenantId: string, code: string, message: string): Promise<void>;
}

/** The column's limits (migration 0019). */
const ACCOUNT_MAX = 320;
const LAST_ERROR_MAX = 500;

/** A row of partner_center_tokens (migration 0019). */
export interface TokenRow {
  partner_tenant_id: string;
  key_id: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
  account: string | null;
  consented_at: Date;
  rotated_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
}

/** The tenant id as stored: a lower-case GUID. Throws a RangeError (naming no secret) for anything else. */
export function normalizePartnerTenantId(partnerTenantId: string): string {
  const id = parseGuid(partnerTenantId);
  if (!id) throw new RangeError(`not a partner tenant id (a GUID): ${JSON.stringify(partnerTenantId.slice(0, 60))}`);
  return id;
}

/** The additional authenticated data: a ciphertext opens only in its own tenant's row. */
function aadFor(partnerTenantId: string): string {
  return `partner-center-refresh-token:${partnerTenantId}`;
}

export class PartnerCenterTokenStore implements RefreshTokenStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: KeyCipher,
  ) {}

  async load(partnerTenantId: string): Promise<StoredRefreshToken | null> {
    const tenant = normalizePartnerTenantId(partnerTenantId);
    const { rows } = await this.db.query<TokenRow>(
      `SELECT partner_tenant_id, key_id, iv, tag, ciphertext, account, consented_at, rotated_at, last_error, last_error_at
         FROM partner_center_tokens WHERE partner_tenant_id = $1`,
      [tenant],
    );
    const row = rows[0];
    if (!row) return null;
    const refreshToken = this.cipher.open({ keyId: row.key_id, iv: row.iv, tag: row.tag, ciphertext: row.ciphertext }, aadFor(tenant));
    return {
      partnerTenantId: tenant,
      refreshToken,
      account: row.account,
      consentedAt: row.consented_at,
      rotatedAt: row.rotated_at,
      lastError: row.last_error,
      lastErrorAt: row.last_error_at,
    };
  }

  /**
   * A consent (no `rotatedFrom`): insert or replace the tenant's token, with `account`, a new
   * `consented_at`, no rotation and no error. A rotation: replace the token and set `rotated_at`
   * while the consent of `rotatedFrom` is still stored. Resolves whether the token was written.
   * Timestamps are cut to milliseconds, so a `consentedAt` read back compares equal in SQL.
   */
  async save(partnerTenantId: string, refreshToken: string, opts: SaveRefreshTokenOptions = {}): Promise<boolean> {
    const tenant = normalizePartnerTenantId(partnerTenantId);
    if (!refreshToken) throw new RangeError('an empty refresh token cannot be stored');
    const sealed = this.cipher.seal(refreshToken, aadFor(tenant));
    if (opts.rotatedFrom) {
      const { rowCount } = await this.db.query(
        `UPDATE partner_center_tokens
            SET key_id = $2, iv = $3, tag = $4, ciphertext = $5, rotated_at = date_trunc('milliseconds', now())
          WHERE partner_tenant_id = $1 AND consented_at = $6`,
        [tenant, sealed.keyId, sealed.iv, sealed.tag, sealed.ciphertext, opts.rotatedFrom],
      );
      return rowCount === 1;
    }
    const account = opts.account?.trim() ? opts.account.trim().slice(0, ACCOUNT_MAX) : null;
    await this.db.query(
      `INSERT INTO partner_center_tokens (partner_tenant_id, key_id, iv, tag, ciphertext, account, consented_at)
       VALUES ($1, $2, $3, $4, $5, $6, date_trunc('milliseconds', now()))
       ON CONFLICT (partner_tenant_id) DO UPDATE
          SET key_id = EXCLUDED.key_id, iv = EXCLUDED.iv, tag = EXCLUDED.tag, ciphertext = EXCLUDED.ciphertext,
              account = EXCLUDED.account, consented_at = EXCLUDED.consented_at,
              rotated_at = NULL, last_error = NULL, last_error_at = NULL`,
      [tenant, sealed.keyId, sealed.iv, sealed.tag, sealed.ciphertext, account],
    );
    return true;
  }

  /**
   * Keep why the last exchange was refused (`code`: Entra ID's AADSTS code, or the failure's kind
   * when it gave none). Nothing happens for a tenant with no stored token. The text is scrubbed of
   * anything that looks like a secret and cut to the column's 500 characters.
   */
  async recordFailure(partnerTenantId: string, code: string, message: string): Promise<void> {
    const tenant = normalizePartnerTenantId(partnerTenantId);
    const text = scrubSecrets(`${code}: ${message}`.replace(/\s+/g, ' ').trim());
    await this.db.query(
      `UPDATE partner_center_tokens SET last_error = $2, last_error_at = now() WHERE partner_tenant_id = $1`,
      [tenant, text.length <= LAST_ERROR_MAX ? text : `${text.slice(0, LAST_ERROR_MAX - 1)}…`],
    );
  }
}
