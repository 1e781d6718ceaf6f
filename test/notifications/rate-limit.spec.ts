import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import sinon from 'sinon';
import { PostgresDeliveryRateLimiter, type RateDecision } from '../../services/notifications/rate-limit.js';
import { testDb } from '../support/db.js';

const uid = () => randomBytes(5).toString('hex');

/** Only Date is faked: the limiter's windows follow our clock, the database keeps real timers. */
describe('services/notifications/rate-limit (Postgres, default Teams/Slack limits)', () => {
  const limiter = new PostgresDeliveryRateLimiter(testDb());
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
  });
  afterEach(() => clock.restore());

  const times = async (n: number, fn: () => Promise<RateDecision>) => {
    const out: RateDecision[] = [];
    for (let i = 0; i < n; i += 1) out.push(await fn());
    return out;
  };

  it('lets 7 messages a second into a Teams conversation and delays the 8th until the window passes', async () => {
    const target = { channel: 'msteams' as const, conversationId: `a:${uid()}` };
    const first = await times(8, () => limiter.acquire(target));
    assert.deepEqual(first.slice(0, 7), Array.from({ length: 7 }, () => ({ ok: true })));
    const eighth = first[7]!;
    assert.equal(eighth.ok, false);
    assert.ok(!eighth.ok && eighth.retryInMs > 0 && eighth.retryInMs <= 1000, JSON.stringify(eighth));
    // Another conversation is not affected.
    assert.deepEqual(await limiter.acquire({ channel: 'msteams', conversationId: `a:${uid()}` }), { ok: true });
  });

  it('holds a Teams conversation to 8 per 2 s and 60 per 30 s', async () => {
    const target = { channel: 'msteams' as const, conversationId: `a:${uid()}` };
    await times(7, () => limiter.acquire(target));
    clock.tick(1001);
    // New 1-s window, but the 2-s window has room for only one more.
    assert.deepEqual(await limiter.acquire(target), { ok: true });
    const refused = await limiter.acquire(target);
    assert.equal(refused.ok, false);

    // Over 30 s at a pace the short windows allow, the 61st is refused by the 30-s window.
    const slow = { channel: 'msteams' as const, conversationId: `a:${uid()}` };
    let accepted = 0;
    let refusedAt = -1;
    for (let i = 0; i < 61; i += 1) {
      const d = await limiter.acquire(slow);
      if (d.ok) accepted += 1;
      else if (refusedAt < 0) refusedAt = i;
      clock.tick(400); // 2.5 per second: under 7/1 s and 8/2 s
    }
    assert.equal(accepted, 60);
    assert.equal(refusedAt, 60);
  });

  it('a send refused by one window does not use up the others', async () => {
    const target = { channel: 'msteams' as const, conversationId: `a:${uid()}` };
    const start = Date.now();
    for (let i = 0; i < 60; i += 1) {
      assert.deepEqual(await limiter.acquire(target), { ok: true });
      clock.tick(400);
    }
    // Just before the 30-s window ends: seven refused tries within one second…
    clock.setSystemTime(start + 29_500);
    const refused = await times(7, () => limiter.acquire(target));
    assert.ok(refused.every((d) => !d.ok));
    // …leave the 1-s window empty, so the first try of the next 30 s goes through.
    clock.setSystemTime(start + 30_100);
    assert.deepEqual(await limiter.acquire(target), { ok: true });
  });

  it('limits a Teams tenant to 25 a second across its conversations', async () => {
    const tenantId = `tenant-${uid()}`;
    const decisions = await times(26, () => limiter.acquire({ channel: 'msteams', conversationId: `a:${uid()}`, tenantId }));
    assert.equal(decisions.filter((d) => d.ok).length, 25);
    assert.equal(decisions[25]!.ok, false);
  });

  it('lets one message a second into a Slack channel', async () => {
    const target = { channel: 'slack' as const, teamId: 'T1', channelId: `C${uid()}` };
    assert.deepEqual(await limiter.acquire(target), { ok: true });
    assert.equal((await limiter.acquire(target)).ok, false);
    clock.tick(1001);
    assert.deepEqual(await limiter.acquire(target), { ok: true });
  });
});
