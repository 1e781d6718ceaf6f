/**
 * Issue 13 on Slack: a click's first answer takes the clicked message's place (response_url with
 * replace_original), later answers of the turn are new messages, a command's answers never replace,
 * a kept answer outlives an ephemeral message, and a message that can no longer be replaced gets a
 * new one instead of silence. The adapter alone, with Slack's Web API and response_url stubbed.
 */
import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import type { WebClient } from '@slack/web-api';
import { SlackAdapter, type SlackInbound } from '../../bot/slack/adapter.js';
import { notice } from '../../cards/index.js';
import { answerAsNewMessages, show } from '../../dialogs/ui.js';
import { createLogger } from '../../services/logger.js';

describe('bot/slack/adapter: answers in the clicked message\'s place (issue 13)', () => {
  function setup(responseStatus = 200) {
    const client = {
      chat: {
        postMessage: sinon.stub().resolves({ ok: true, ts: '1.1' }),
        postEphemeral: sinon.stub().resolves({ ok: true, message_ts: '1.2' }),
      },
      users: { info: sinon.stub().resolves({ ok: true, user: { real_name: 'Ada', locale: 'en-US' } }) },
      views: { open: sinon.stub().resolves({ ok: true, view: { id: 'V1' } }) },
    };
    const posted: Array<{ url: string; body: any }> = [];
    const fetchImpl = ((url: string, init: RequestInit) => {
      posted.push({ url, body: JSON.parse(init.body as string) });
      return Promise.resolve(new Response('', { status: responseStatus }));
    }) as unknown as typeof fetch;
    const logs: string[] = [];
    const logger = createLogger({ level: 'warn', name: 't' }, { write: (l: string) => logs.push(l) });
    const adapter = new SlackAdapter(client as unknown as WebClient, logger, fetchImpl);
    return { adapter, client, posted, logs };
  }
  const inbound = (over: Partial<SlackInbound> = {}): SlackInbound => ({
    kind: 'action', teamId: 'T1', channelId: 'C1', userId: 'U1', userName: null, value: {}, responseUrl: 'https://hooks.slack.test/r/1', ephemeralOrigin: true, triggerId: 't', requestKey: 'k', ...over,
  });
  const first = notice('info', 'notice.nothingRunning');
  const second = notice('info', 'notice.noTaskRunning');

  it('a click: the first answer replaces the message clicked, a second one is a new ephemeral message', async () => {
    const { adapter, posted } = setup();
    await adapter.processInbound(inbound(), async (ctx) => {
      await show(ctx, first);
      await show(ctx, second);
    });
    assert.deepEqual(posted.map((p) => p.body.replace_original), [true, false]);
    assert.equal(posted[1]!.body.response_type, 'ephemeral');
  });

  it('a slash command never replaces, nor does a click the runner turns into a command (answerAsNewMessages)', async () => {
    const { adapter, posted } = setup();
    await adapter.processInbound(inbound({ kind: 'command' }), async (ctx) => show(ctx, first));
    await adapter.processInbound(inbound({ responseUrl: 'https://hooks.slack.test/r/2' }), async (ctx) => {
      answerAsNewMessages(ctx);
      await show(ctx, first);
    });
    assert.deepEqual(posted.map((p) => p.body.replace_original), [false, false]);
  });

  it('past the response_url\'s five uses, answers are new ephemeral messages (chat.postEphemeral), none lost', async () => {
    const { adapter, client, posted } = setup();
    await adapter.processInbound(inbound(), async (ctx) => {
      for (let i = 0; i < 7; i++) await show(ctx, i === 0 ? first : second);
    });
    assert.deepEqual(posted.map((p) => p.body.replace_original), [true, false, false, false, false]);
    assert.equal(client.chat.postEphemeral.callCount, 2);
  });

  it('a kept answer whose message cannot be replaced: in the DM, and a new ephemeral message', async () => {
    const { adapter, client } = setup(410);
    await adapter.processInbound(inbound(), async (ctx) => show(ctx, first, { keep: true }));
    assert.equal(client.chat.postMessage.callCount, 1, 'the DM copy');
    assert.equal(client.chat.postEphemeral.callCount, 1, 'and where it was clicked');
  });

  it('a kept answer (an order confirmation) clicked in a channel: in the DM as well, since the ephemeral message disappears', async () => {
    const { adapter, client, posted } = setup();
    await adapter.processInbound(inbound(), async (ctx) => show(ctx, first, { keep: true }));
    assert.equal(client.chat.postMessage.callCount, 1);
    assert.equal(client.chat.postMessage.firstCall.args[0].channel, 'U1');
    assert.deepEqual(posted.map((p) => p.body.replace_original), [true]);
  });

  it('a kept answer clicked on a lasting message in the DM: replaced there, not posted twice', async () => {
    const { adapter, client, posted } = setup();
    await adapter.processInbound(inbound({ channelId: 'D1', ephemeralOrigin: false }), async (ctx) => show(ctx, first, { keep: true }));
    assert.equal(client.chat.postMessage.callCount, 0);
    assert.deepEqual(posted.map((p) => p.body.replace_original), [true]);
  });

  it('a message that can no longer be replaced (response_url gone): a new ephemeral message instead, and a warning logged', async () => {
    const { adapter, client, posted, logs } = setup(404);
    await adapter.processInbound(inbound(), async (ctx) => show(ctx, first));
    assert.equal(posted.length, 1);
    assert.equal(client.chat.postEphemeral.callCount, 1);
    assert.equal(client.chat.postEphemeral.firstCall.args[0].channel, 'C1');
    assert.ok(logs.some((l) => l.includes('the response_url refused the answer')));
  });
});
