/**
 * Why reading the activity log was refused (R13): its members of the refusal vocabulary
 * (services/refusal.ts). A missing role is the shared `forbidden` (recorded in the log); a
 * filter naming another partner's customer the shared `customer_not_found`, another
 * partner's user `user_not_found`.
 */
export type ActivityRefusal =
  /** A paging cursor that is not one this range and these filters gave out (tampered, or of another query). */
  | { code: 'invalid_cursor' }
  /** A range that is not one (from not before to), or an unknown kind of event. */
  | { code: 'invalid_range' };
