/**
 * Shutting down without taking new work (issue 14): from `begin()` on, a request that arrives — on
 * a new connection or a kept-alive one — is answered 503 `shutting down` with `Connection: close`,
 * and those already in flight finish with `Connection: close`, so every client's socket goes away
 * with its last answer and the server can close. Before, kept-alive clients went on sending turns
 * for the whole SHUTDOWN_TIMEOUT_MS, which were then cut off.
 */
import type { NextFunction, Request, Response } from 'express';

export interface Drain {
  /** First middleware of the app. */
  readonly middleware: (req: Request, res: Response, next: NextFunction) => void;
  /** Stop taking requests; those in flight close their connection when answered. */
  readonly begin: () => void;
}

export function createDrain(): Drain {
  let closing = false;
  const inFlight = new Set<Response>();
  return {
    middleware: (_req, res, next) => {
      if (closing) {
        res.setHeader('Connection', 'close');
        res.status(503).json({ error: 'shutting down' });
        return;
      }
      inFlight.add(res);
      res.on('close', () => inFlight.delete(res));
      next();
    },
    begin: () => {
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    },
  };
}
