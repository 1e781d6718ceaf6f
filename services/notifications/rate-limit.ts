/**
 * Outbound send limits per conversation (Teams) and per channel (Slack), shared by all
 * worker processes.
 *
 * Store: rate-limiter-flexible's RateLimiterPostgres on the main pool, in both queue
 * modes. Postgres is always there (Redis is optional), so there is one code path, tested
 * once; the counters survive restarts and are shared by every worker; and the cost — a
 * few single-row upserts per delivered message — is nothing next to the HTTP send
 * itself at notification volumes (people's purchases, not bulk mail).
 *
 * Several windows per target (Teams: 7/1 s, 8/2 s and 60/30 s per conversation, per the
 * Teams rate-limit doc; ~30 RPS per tenant, we use 25). They are consumed in order; when
 * a later one refuses, the points already taken from the earlier ones are given back, so a
 * refused attempt never eats into a window it did not use. (RateLimiterUnion would charge
 * every window on every attempt, which under a backlog keeps the 30 s window full.)
 * Windows are fixed, not sliding, so a burst across a window boundary can still draw a
 * 429 from Teams now and then — which the delivery job retries after Retry-After.
 */
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '../db/pool.js';

export interface WindowLimit {
  points: number;
  durationSeconds: number;
}

export interface DeliveryLimits {
  teamsConversation: WindowLimit[];
  teamsTenant: WindowLimit[];
  slackChannel: WindowLimit[];
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = {
  teamsConversation: [
    { points: 7, durationSeconds: 1 },
    { points: 8, durationSeconds: 2 },
    { points: 60, durationSeconds: 30 },
  ],
  teamsTenant: [{ points: 25, durationSeconds: 1 }],
  // "chat.postMessage generally allows one message per second per channel".
  slackChannel: [{ points: 1, durationSeconds: 1 }],
};

export type DeliveryTarget =
  | { channel: 'msteams'; conversationId: string; tenantId?: string }
  | { channel: 'slack'; channelId: string; teamId?: string };

export type RateDecision = { ok: true } | { ok: false; retryInMs: number };

export interface DeliveryRateLimiter {
  /** Take one send from every window of the target, or say how long to wait. */
  acquire(target: DeliveryTarget): Promise<RateDecision>;
}

export const RATE_LIMIT_TABLE = 'notification_rate_limits';

export class PostgresDeliveryRateLimiter implements DeliveryRateLimiter {
  private readonly limiters = new Map<string, RateLimiterPostgres>();

  constructor(
    private readonly db: Db,
    private readonly limits: DeliveryLimits = DEFAULT_DELIVERY_LIMITS,
  ) {}

  async acquire(target: DeliveryTarget): Promise<RateDecision> {
    const steps: Array<{ limiter: RateLimiterPostgres; key: string }> = [];
    if (target.channel === 'msteams') {
      for (const w of this.limits.teamsConversation) steps.push({ limiter: this.limiter('teams-conv', w), key: target.conversationId });
      if (target.tenantId) for (const w of this.limits.teamsTenant) steps.push({ limiter: this.limiter('teams-tenant', w), key: target.tenantId });
    } else {
      const key = `${target.teamId ?? '-'}:${target.channelId}`;
      for (const w of this.limits.slackChannel) steps.push({ limiter: this.limiter('slack-channel', w), key });
    }

    const taken: typeof steps = [];
    for (const step of steps) {
      try {
        await step.limiter.consume(step.key, 1);
        taken.push(step);
      } catch (rejection) {
        await Promise.all(taken.map((t) => t.limiter.reward(t.key, 1)));
        if (rejection instanceof RateLimiterRes) return { ok: false, retryInMs: Math.max(rejection.msBeforeNext, 1) };
        throw rejection;
      }
    }
    return { ok: true };
  }

  private limiter(scope: string, w: WindowLimit): RateLimiterPostgres {
    const keyPrefix = `${scope}:${w.points}/${w.durationSeconds}s`;
    let limiter = this.limiters.get(keyPrefix);
    if (!limiter) {
      limiter = new RateLimiterPostgres({
        storeClient: this.db,
        storeType: 'pool',
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true, // by migration 0003 (in the configured schema, via search_path)
        keyPrefix,
        points: w.points,
        duration: w.durationSeconds,
      });
      this.limiters.set(keyPrefix, limiter);
    }
    return limiter;
  }
}
