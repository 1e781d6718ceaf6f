import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { TestAdapter, TurnContext as RealTurnContext, type TurnContext } from 'botbuilder';
import { DialogContext, DialogContextError, DialogSet } from 'botbuilder-dialogs';
import { turnErrorNotice } from '../../bot/turn-error.js';
import { createLogger, withCorrelation } from '../../services/logger.js';
import { PartnerCenterAuthError, type PartnerCenterAuthFailure } from '../../services/partner-center/contracts.js';
import { PartnerCenterError, type PartnerCenterErrorKind } from '../../services/partner-center/errors.js';
import { PurchaseInProgressError } from '../../services/partner-center/orders.js';

/** What turnErrorNotice reads of a turn. */
function turn(activity: { id?: string; channelId: string; type: string } = { id: 'activity-1', channelId: 'msteams', type: 'message' }): TurnContext {
  return { activity } as unknown as TurnContext;
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug' }, sink), lines };
}

const WARN = 40;
const ERROR = 50;

function partnerCenterError(kind: PartnerCenterErrorKind, status: number): PartnerCenterError {
  return new PartnerCenterError(`partner center: GET /customers answered ${status}`, { kind, status, requestId: 'req-1', correlationId: 'corr-1' });
}

describe('bot/turn-error', () => {
  const cases: Array<{ name: string; error: unknown; messageKey: string; level: number }> = [
    ...([['unavailable', 503], ['timeout', 0], ['throttled', 429], ['unauthorized', 401]] as const).map(([kind, status]) => ({
      name: `PartnerCenterError ${kind}`, error: partnerCenterError(kind, status), messageKey: 'notice.backendUnavailable', level: WARN,
    })),
    ...(['consent_expired', 'not_consented', 'invalid_client'] as PartnerCenterAuthFailure[]).map((kind) => ({
      name: `PartnerCenterAuthError ${kind}`, error: new PartnerCenterAuthError(kind, `partner center: ${kind}`), messageKey: 'notice.backendConsent', level: WARN,
    })),
    { name: 'PartnerCenterAuthError unavailable', error: new PartnerCenterAuthError('unavailable', 'partner center: Entra ID did not answer'), messageKey: 'notice.backendUnavailable', level: WARN },
    { name: 'PurchaseInProgressError', error: new PurchaseInProgressError(), messageKey: 'notice.backendUnavailable', level: WARN },
    { name: 'PartnerCenterError bad_request', error: partnerCenterError('bad_request', 400), messageKey: 'notice.error', level: ERROR },
    { name: 'PartnerCenterError forbidden', error: partnerCenterError('forbidden', 403), messageKey: 'notice.error', level: ERROR },
    { name: 'a plain Error', error: new Error('boom'), messageKey: 'notice.error', level: ERROR },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.messageKey}, logged at level ${c.level === WARN ? 'warn' : 'error'}`, () => {
      const { logger, lines } = capture();

      const notice = turnErrorNotice(turn(), c.error, logger);

      assert.equal(notice.kind, 'notice');
      assert.equal(notice.messageKey, c.messageKey);
      assert.equal(notice.tone, 'error');
      assert.deepEqual(notice.params, { correlationId: 'activity-1' });
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.level, c.level);
      assert.equal(lines[0]!.channel, 'msteams');
      assert.equal(lines[0]!.activityType, 'message');
      assert.equal((lines[0]!.err as { message?: string }).message, (c.error as Error).message);
    });
  }

  it('reads through botbuilder-dialogs’ DialogContextError to what the dialog threw', () => {
    const { logger, lines } = capture();
    const dc = new DialogContext(new DialogSet(), new RealTurnContext(new TestAdapter(), { type: 'message', channelId: 'msteams' }), { dialogStack: [] });
    const wrapped = new DialogContextError(partnerCenterError('unavailable', 503), dc);
    assert.equal(turnErrorNotice(turn(), wrapped, logger).messageKey, 'notice.backendUnavailable');
    assert.equal(lines[0]!.level, WARN);
    assert.equal(turnErrorNotice(turn(), new DialogContextError(new Error('boom'), dc), logger).messageKey, 'notice.error');
  });

  it('offers a support request with the general error only', () => {
    const { logger } = capture();
    assert.equal(turnErrorNotice(turn(), new Error('boom'), logger).actions?.length, 1);
    assert.equal(turnErrorNotice(turn(), partnerCenterError('unavailable', 503), logger).actions, undefined);
    assert.equal(turnErrorNotice(turn(), new PartnerCenterAuthError('consent_expired', 'expired'), logger).actions, undefined);
  });

  it('names the turn’s correlation id, else the activity id, else "unknown"', () => {
    const { logger } = capture();
    const inTurn = withCorrelation('turn-corr-7', () => turnErrorNotice(turn(), new Error('boom'), logger));
    assert.equal(inTurn.params?.correlationId, 'turn-corr-7');
    assert.equal(turnErrorNotice(turn({ channelId: 'slack', type: 'message' }), new Error('boom'), logger).params?.correlationId, 'unknown');
  });
});
