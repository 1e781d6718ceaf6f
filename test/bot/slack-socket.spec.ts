import { strict as assert } from 'node:assert';
import express from 'express';
import type { TurnContext } from 'botbuilder';
import { createSlackSide, type SlackSide } from '../../bot/slack/app.js';
import type { DialogRunner } from '../../dialogs/runner.js';
import { createLogger } from '../../services/logger.js';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { createBlockAction, createSlashCommand } from '../support/factories.js';

/**
 * Socket Mode: no HTTP request, so no receiver to check the request before Bolt; the global
 * middleware of bot/slack/app.ts does it (issue 14). Driven through Bolt's own `processEvent`, as
 * the Socket Mode receiver hands it an event, without a socket.
 */
describe('bot/slack: the edge check in Socket Mode (issue 14)', () => {
  let fake: FakeSlackApi;
  let side: SlackSide;
  const seen: Array<{ text: unknown; value: unknown }> = [];
  const lines: string[] = [];

  before(async () => {
    fake = await startFakeSlackApi();
    const logger = createLogger({ level: 'debug', name: 'socket-test' }, { write: (line: string) => void lines.push(line) });
    const runner = {
      run: (ctx: TurnContext) => {
        seen.push({ text: ctx.activity.text, value: ctx.activity.value });
        return Promise.resolve();
      },
    } as unknown as DialogRunner;
    side = createSlackSide({ config: { signingSecret: 'socket-secret-0123456789', botToken: 'xoxb-socket', appToken: 'xapp-socket', apiUrl: fake.apiUrl }, expressApp: express(), runner, logger })!;
    assert.equal(side.socketMode, true);
  });
  after(async () => fake.close());
  beforeEach(() => {
    seen.length = 0;
    lines.length = 0;
  });

  /** The body Slack would send for a form (a command's fields; a click's payload as JSON). */
  const formBody = (form: string): Record<string, unknown> => {
    const fields = new URLSearchParams(form);
    const payload = fields.get('payload');
    return payload !== null ? (JSON.parse(payload) as Record<string, unknown>) : Object.fromEntries(fields);
  };
  async function deliver(body: Record<string, unknown>): Promise<number> {
    let acks = 0;
    const ack = () => {
      acks++;
      return Promise.resolve();
    };
    await side.app.processEvent({ body, ack });
    await side.drain();
    return acks;
  }

  it('cleans in place what Postgres cannot store: the listener and the turn read the cleaned text and button value', async () => {
    const command = formBody(createSlashCommand({ teamId: 'T0SOCKET01', userId: 'U0SOCKET01', text: 'who\u0000ami', responseUrl: `${fake.apiUrl}resp/socket` }));
    assert.equal(await deliver(command), 1);
    const click = formBody(createBlockAction({ teamId: 'T0SOCKET01', userId: 'U0SOCKET01', value: JSON.stringify({ action: 'command', command: 'who\u0000ami' }), responseUrl: `${fake.apiUrl}resp/socket2` }));
    assert.equal(await deliver(click), 1);
    assert.deepEqual(seen.map((s) => s.text), ['whoami', '']);
    assert.equal(seen[1]!.value, JSON.stringify({ action: 'command', command: 'whoami' }));
    assert.deepEqual(lines.filter((l) => /"level":(50|60)/.test(l)), []);
  });

  it('acknowledges what no listener takes, and refuses (acknowledged, logged) what Slack never sends — no turn runs', async () => {
    assert.equal(await deliver({ type: 'view_closed', team: { id: 'T0SOCKET01' }, user: { id: 'U0SOCKET01' }, view: { id: 'V1' } }), 1);
    const noUser = formBody(createSlashCommand({ teamId: 'T0SOCKET01', userId: 'U0SOCKET01', text: 'help', responseUrl: `${fake.apiUrl}resp/x` }));
    delete noUser.user_id;
    assert.equal(await deliver(noUser), 1);
    assert.deepEqual(seen, []);
    assert.ok(lines.some((l) => l.includes('acknowledged a request the bot does not handle') && l.includes('view_closed')));
    assert.ok(lines.some((l) => l.includes('refused a request it could not read') && l.includes('user_id')));
  });
});
