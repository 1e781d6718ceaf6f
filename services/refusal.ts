/**
 * A service's business refusal: a member of a discriminated union under `refusal`, so that a
 * dialog can `switch (err.refusal.code)` and get, typed, the details its message needs.
 * `message` is for logs and developers; dialogs word `refusal` in the user's language.
 * Missing roles are not refusals: they throw ForbiddenError (services/access/roles.ts).
 */
export abstract class RefusalError<R extends { code: string }> extends Error {
  constructor(
    readonly refusal: R,
    message: string,
  ) {
    super(message);
  }

  get code(): R['code'] {
    return this.refusal.code;
  }
}

/** Narrows to an error of class `type`, optionally of one code, and types its refusal accordingly. */
export function isRefusal<R extends { code: string }, E extends RefusalError<R>, C extends R['code']>(
  type: abstract new (...args: never[]) => E,
  err: unknown,
  code?: C,
): err is E & { refusal: Extract<R, { code: C }> } {
  return err instanceof type && (code === undefined || err.refusal.code === code);
}
