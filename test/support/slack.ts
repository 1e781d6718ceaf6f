/** Reading what the bot sent to the fake Slack Web API (test/fakes/slack-api.ts). */
import type { FakeSlackApi, SlackCall } from '../fakes/slack-api.js';

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
