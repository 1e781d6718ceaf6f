/**
 * What the parts of the Partner Center backend (issue 12) agree on: the access-token source the
 * HTTP client asks before every call (./auth.ts implements it over the Secure Application Model's
 * refresh token), and the error it throws when no token can be had.
 */

export interface AccessTokens {
  /**
   * An access token for the Partner Center API (audience https://api.partnercenter.microsoft.com),
   * cached until shortly before it expires; concurrent callers share one refresh. `fresh: true`
   * drops the cached token first (the API answered 401 to it). Throws PartnerCenterAuthError.
   */
  accessToken(opts?: { fresh?: boolean }): Promise<string>;
}

/**
 * Why no token could be had:
 * - consent_expired: the stored refresh token is expired, revoked or needs MFA again
 *   (AADSTS700082, AADSTS50078, AADSTS50076, AADSTS70008, AADSTS700084, invalid_grant): an operator
 *   must run the consent script again;
 * - not_consented: no refresh token is stored yet (the consent script was never run);
 * - invalid_client: the app id, secret or certificate is wrong or expired (AADSTS7000215,
 *   AADSTS7000222, AADSTS700027, invalid_client): fix the configuration;
 * - unavailable: the token endpoint did not answer, or answered 5xx/429: try again later.
 */
export type PartnerCenterAuthFailure = 'consent_expired' | 'not_consented' | 'invalid_client' | 'unavailable';

export class PartnerCenterAuthError extends Error {
  constructor(
    readonly kind: PartnerCenterAuthFailure,
    message: string,
    /** Entra ID's error code (e.g. 'AADSTS700082'), when it gave one. */
    readonly aadCode?: string,
  ) {
    super(message);
    this.name = 'PartnerCenterAuthError';
  }
}
