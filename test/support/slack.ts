/** The bot with Slack on, against the fake Slack Web API (test/fakes/slack-api.ts), and reading what it sent there. */
import type { Db } from '../../services/db/pool.js';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../fakes/slack-api.js';
import { startTestBot, type TestBot } from './bot-harness.js';
import { slackSignature } from './factories.js';

/** The first call matching `pred`, waiting up to 5 s for it (the bot answers after ack()). */
export async function waitForSlackCall(fake: FakeSlackApi, pred: (c: SlackCall) => boolean): Promise<SlackCall> {
  for (let i = 0; i < 200; i++) {
    const found = fake.calls.find(pred);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no matching Slack call; saw ${JSON.stringify(fake.calls.map((c) => c.path))}`);
}

/** Every button of a message (section accessories and actions blocks). */
export function slackButtons(call: SlackCall): any[] {
  return (call.params.blocks as any[]).flatMap((b) => (b.accessory ? [b.accessory] : b.elements ?? [])).filter((e: any) => e.type === 'button');
}

export const SLACK_TEST_SECRET = 'test-signing-secret-0123456789';
/** The demo workspace's admin (Admin agent + Global admin). */
export const DEMO_SLACK_ADMIN = 'U0DEMOADMIN';

/** users.info as Slack answers it for the demo admin (the seeded name stays: other tests read the demo data). */
export function answerAsDemoAdmin(fake: FakeSlackApi): void {
  fake.script((call) => (call.method === 'users.info' ? { body: { ok: true, user: { id: DEMO_SLACK_ADMIN, real_name: 'Demo Admin', locale: 'en-US' } } } : undefined));
}

export interface SlackTestBot {
  bot: TestBot;
  fake: FakeSlackApi;
  /** POST a form body to /slack/events, signed as Slack signs it. */
  post(body: string, headers?: Record<string, string>): Promise<{ status: number }>;
  /**
   * The first Slack call matching `pred` (waitForSlackCall), once the turns in flight have
   * finished. A turn answers (response_url, a modal) before it saves the flow's state: a test
   * that clicks the answer's button at once would race that save, which no person's click does.
   */
  answer(pred: (c: SlackCall) => boolean): Promise<SlackCall>;
  close(): Promise<void>;
}

/** The Slack settings of a bot (or a worker) that talks to `fake`. */
export function slackEnv(fake: FakeSlackApi): Record<string, string> {
  return { SLACK_SIGNING_SECRET: SLACK_TEST_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: fake.apiUrl };
}

/** The real bot with Slack on, against a fake Slack Web API that knows the demo admin (on the test run's schema unless `db` is given). */
export async function startSlackTestBot(opts: { db?: Db } = {}): Promise<SlackTestBot> {
  const fake = await startFakeSlackApi();
  answerAsDemoAdmin(fake);
  const bot = await startTestBot({ env: slackEnv(fake), ...(opts.db ? { db: opts.db } : {}) });
  return {
    bot,
    fake,
    post: (body, headers = {}) =>
      bot.post('/slack/events', body, { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(SLACK_TEST_SECRET, body), ...headers }),
    answer: async (pred) => {
      const call = await waitForSlackCall(fake, pred);
      await bot.slack?.drain();
      return call;
    },
    close: async () => {
      await bot.close();
      await fake.close();
    },
  };
}
