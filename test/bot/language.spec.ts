/**
 * `language [en|de|auto]` (issue 13): a user whose client sends a language they do not want
 * (the Playground always sends en-US) chooses the bot's language in chat; it is theirs alone, it
 * holds from the answer on, and `auto` follows the client again.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../services/logger.js';
import { seedDemoData, PLAYGROUND_TENANT_ID } from '../../services/seed/demo.js';
import { startTestBot, cardText, type TestBot } from '../support/bot-harness.js';
import { testDb } from '../support/db.js';
import { createMessageActivity } from '../support/factories.js';
import { teamsSubmits } from '../cards/inspect.js';

describe('bot: the language chosen in chat (language [en|de|auto])', function () {
  this.timeout(30_000);
  const db = testDb();
  let bot: TestBot;
  // Users of their own, in the demo tenant (the seeded ones are read by other specs).
  let ada: string;
  let bea: string;

  before(async () => {
    await seedDemoData(db, { logger: createLogger({ level: 'silent' }) });
    bot = await startTestBot();
  });
  after(async () => bot.close());
  beforeEach(() => {
    ada = randomUUID();
    bea = randomUUID();
  });

  async function say(who: string, text: string, locale = 'en-US'): Promise<any[]> {
    const res = await bot.post('/api/messages', createMessageActivity({ tenantId: PLAYGROUND_TENANT_ID, aadObjectId: who, text, locale }));
    assert.equal(res.status, 200, res.text);
    return res.json().activities;
  }
  const preference = async (who: string) =>
    (await db.query<{ preferred_locale: string | null }>("SELECT preferred_locale FROM users WHERE channel = 'msteams' AND external_id = $1", [who])).rows[0]?.preferred_locale;

  it('without an argument: the language in use and the three choices', async () => {
    const answer = await say(ada, 'language');
    assert.match(cardText(answer), /I answer you in English, the language of your Teams or Slack client/);
    assert.deepEqual(teamsSubmits(answer[0].attachments[0].content), [
      { action: 'command', command: 'language', args: 'en', inPlace: true },
      { action: 'command', command: 'language', args: 'de', inPlace: true },
      { action: 'command', command: 'language', args: 'auto', inPlace: true },
    ]);
  });

  it('language de: answered in German at once, and every later answer too though the client sends en-US; only for that user', async () => {
    assert.match(cardText(await say(ada, 'language de')), /Ab jetzt antworte ich Ihnen auf Deutsch/);
    assert.equal(await preference(ada), 'de');
    assert.match(cardText(await say(ada, 'whoami')), /Ihr Konto/);
    assert.match(cardText(await say(ada, 'language')), /Ich antworte Ihnen auf Deutsch, wie Sie es gewählt haben/);
    // Another user of the same partner keeps their client's language.
    assert.match(cardText(await say(bea, 'whoami')), /Your account/);
  });

  it('language auto: follows the client again (English here), and `sprache deutsch` is read too', async () => {
    await say(ada, 'sprache deutsch');
    assert.equal(await preference(ada), 'de');
    assert.match(cardText(await say(ada, 'language auto')), /language of your Teams or Slack client \(now English\)/);
    assert.equal(await preference(ada), null);
    assert.match(cardText(await say(ada, 'whoami')), /Your account/);
    // A German client is followed again.
    assert.match(cardText(await say(ada, 'whoami', 'de-DE')), /Ihr Konto/);
  });

  it('a language chosen that is also the client\'s is still the user\'s choice: said as chosen, and kept when the client changes', async () => {
    await say(ada, 'language en');
    assert.match(cardText(await say(ada, 'language')), /I answer you in English, as you chose/);
    assert.match(cardText(await say(ada, 'whoami', 'de-DE')), /Your account/, 'a German client now: still English, as chosen');
  });

  it('a language the bot does not speak is answered with the choices, and changes nothing', async () => {
    await say(ada, 'language de');
    const answer = await say(ada, 'language klingon');
    assert.match(cardText(answer), /Ich spreche Englisch und Deutsch/);
    assert.equal(teamsSubmits(answer[0].attachments[0].content).length, 3);
    assert.equal(await preference(ada), 'de');
  });

  it('a name every object has (__proto__, constructor) is no language: answered with the choices, nothing stored (issue 14)', async () => {
    await say(ada, 'language de');
    for (const word of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const answer = await say(ada, `language ${word}`);
      assert.match(cardText(answer), /Ich spreche Englisch und Deutsch/, word);
      assert.equal(await preference(ada), 'de', word);
    }
  });
});
