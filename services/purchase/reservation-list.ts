/**
 * R3: which version of the "Azure reservations unavailable markets" list excludes a
 * market, so that a refusal can cite it ("not available in Andorra — list as of
 * 2019-11-30").
 *
 * Interim: the CommerceBackend port answers only yes/no (`isAzureReservationAvailable`)
 * and names the list only in a createOrder refusal. Until the port gains a query for it,
 * this reads the versioned list that the import and the demo seed write
 * (migration 0002_commerce.sql) — this product's own data, whichever backend is in use.
 * The decision itself always stays with the backend; this only names the list.
 */
import type { Queryable } from '../db/pool.js';

/** The version of the current list that names `market`, or null when it does not. */
export type ReservationListVersion = (market: string) => Promise<string | null>;

export function reservationListVersionFromDb(db: Queryable): ReservationListVersion {
  return async (market) => {
    const { rows } = await db.query<{ list_version: string }>(
      `SELECT u.list_version
         FROM azure_reservation_unavailable_markets u
        WHERE u.list_version = (SELECT version FROM azure_reservation_unavailable_lists ORDER BY as_of DESC, version DESC LIMIT 1)
          AND u.country_code = $1
        LIMIT 1`,
      [market.trim().toUpperCase()],
    );
    return rows[0]?.list_version ?? null;
  };
}
