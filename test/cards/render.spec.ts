import { strict as assert } from 'node:assert';
import { fallbackText, renderSlack, renderTeams, type Locale } from '../../cards/index.js';
import { LOCALES } from '../../cards/i18n/index.js';
import type { Channel } from '../../services/access/roles.js';
import { allScreens, helpCommands } from './fixtures.js';
import { slackButtons, teamsSubmits, texts } from './inspect.js';
import { assertValidAdaptiveCard, assertValidBlockKit } from './validate.js';

const CHANNELS: Channel[] = ['msteams', 'slack'];

describe('cards: every screen renders valid cards', () => {
  for (const channel of CHANNELS) {
    for (const { name, screen } of allScreens(channel)) {
      for (const locale of LOCALES) {
        it(`${name} [${channel}, ${locale}]`, () => {
          const teams = renderTeams(screen, locale);
          assertValidAdaptiveCard(teams);
          assert.equal(teams.content.version, '1.5');
          assert.equal(teams.content.$schema, 'http://adaptivecards.io/schemas/adaptive-card.json');
          const slack = renderSlack(screen, locale);
          assertValidBlockKit(slack);
          assert.equal(slack.text, fallbackText(screen, locale));
          assert.ok(fallbackText(screen, locale).length > 0);
        });
      }
    }
  }

  it('German differs from English for every screen', () => {
    for (const channel of CHANNELS) {
      for (const { name, screen } of allScreens(channel)) {
        const en = JSON.stringify(renderTeams(screen, 'en'));
        const de = JSON.stringify(renderTeams(screen, 'de'));
        assert.notEqual(de, en, `Teams ${name}`);
        assert.notEqual(JSON.stringify(renderSlack(screen, 'de')), JSON.stringify(renderSlack(screen, 'en')), `Slack ${name}`);
        assert.notEqual(fallbackText(screen, 'de'), fallbackText(screen, 'en'), `text ${name}`);
      }
    }
  });
});

describe('cards: help', () => {
  const some = helpCommands().filter((c) => c.name === 'whoami' || c.name === 'buy');

  it('shows only the commands passed in', () => {
    for (const channel of CHANNELS) {
      const screen = { kind: 'help' as const, commands: some, channel };
      const all = [...texts(renderTeams(screen, 'en')), ...texts(renderSlack(screen, 'en'))].join('\n');
      assert.match(all, /whoami/);
      assert.match(all, /\bbuy\b/);
      for (const hidden of ['orders [customer]', 'keys [customer]', 'activity [from] [to]', 'roles [user] [role]', 'cancel [customer]', 'support [order id]']) {
        assert.ok(!all.includes(hidden), `${hidden} is shown`);
      }
      assert.deepEqual(teamsSubmits(renderTeams(screen, 'en')), some.filter((c) => c.available).map((c) => ({ action: 'command', command: c.name })));
    }
  });

  it('has a button per available command and none for coming-soon ones', () => {
    const commands = [
      { name: 'whoami', usage: '', descriptionKey: 'command.whoami', available: true },
      { name: 'buy', usage: '[customer] [product]', descriptionKey: 'command.buy', available: false },
      { name: 'help', usage: '', descriptionKey: 'command.help', available: true },
    ];
    const teams = renderTeams({ kind: 'help', commands, channel: 'msteams' }, 'en');
    assert.deepEqual(teamsSubmits(teams), [{ action: 'command', command: 'whoami' }, { action: 'command', command: 'help' }]);
    assert.ok(texts(teams).includes('Coming soon'));

    const slack = renderSlack({ kind: 'help', commands, channel: 'slack' }, 'de');
    const buttons = slackButtons(slack);
    assert.deepEqual(buttons.map((b) => b.action_id), ['command:whoami', 'command:help']);
    assert.deepEqual(buttons.map((b): unknown => JSON.parse(b.value)), [{ action: 'command', command: 'whoami' }, { action: 'command', command: 'help' }]);
    assert.match(texts(slack).join('\n'), /Bald verfügbar/);
  });

  it('writes commands as typed: "/csp buy …" on Slack, "buy …" in Teams', () => {
    const commands = [{ name: 'buy', usage: '[customer] [product]', descriptionKey: 'command.buy', available: true }];
    const slack = texts(renderSlack({ kind: 'help', commands, channel: 'slack' }, 'en')).join('\n');
    assert.match(slack, /\/csp buy \[customer\] \[product\]/);
    const teams = texts(renderTeams({ kind: 'help', commands, channel: 'msteams' }, 'en'));
    assert.ok(teams.includes('buy [customer] [product]'));
    assert.ok(!teams.join('\n').includes('/csp'));
  });

  it('says so when no command is available', () => {
    const teams = texts(renderTeams({ kind: 'help', commands: [], channel: 'msteams' }, 'en')).join('\n');
    assert.match(teams, /No commands are available to you yet/);
    assert.deepEqual(teamsSubmits(renderTeams({ kind: 'help', commands: [], channel: 'msteams' }, 'en')), []);
  });
});

describe('cards: other screens', () => {
  const en: Locale = 'en';

  it('welcome greets by name and offers Help', () => {
    const teams = renderTeams({ kind: 'welcome', displayName: 'Ada' }, 'de');
    assert.ok(texts(teams).includes('Willkommen bei CSP Software Desk, Ada!'));
    assert.deepEqual(teamsSubmits(teams), [{ action: 'command', command: 'help' }]);
    const slack = renderSlack({ kind: 'welcome', displayName: null }, en);
    assert.equal(slackButtons(slack)[0]?.text.text, 'Help');
    assert.match(slack.text, /^Welcome to CSP Software Desk!/);
  });

  it('whoami lists the roles by their display names', () => {
    const screen = { kind: 'whoami' as const, displayName: 'Ada', partnerName: 'Contoso', roles: ['admin_agent' as const], channel: 'slack' as const };
    assert.match(texts(renderSlack(screen, en)).join('\n'), /Admin agent/);
    assert.match(texts(renderTeams(screen, 'de')).join('\n'), /Administrator-Agent/);
    assert.match(texts(renderTeams(screen, 'de')).join('\n'), /Slack/);
  });

  it('forbidden names the required roles in the reader\'s language', () => {
    const screen = { kind: 'notice' as const, tone: 'warning' as const, messageKey: 'notice.forbidden' as const, roles: ['admin_agent' as const, 'global_admin' as const] };
    assert.match(fallbackText(screen, en), /Required role: Admin agent or Global admin\./);
    assert.match(fallbackText(screen, 'de'), /Erforderliche Rolle: Administrator-Agent oder Globaler Administrator\./);
  });

  it('the error notice shows the correlation id and offers a support request', () => {
    const screen = { kind: 'notice' as const, tone: 'error' as const, messageKey: 'notice.error' as const, params: { correlationId: 'abc-123' },
      actions: [{ labelKey: 'action.support' as const, data: { action: 'command' as const, command: 'support' } }] };
    assert.match(fallbackText(screen, en), /abc-123/);
    assert.deepEqual(teamsSubmits(renderTeams(screen, en)), [{ action: 'command', command: 'support' }]);
    assert.deepEqual(slackButtons(renderSlack(screen, en)).map((b) => b.text.text), ['Request support']);
  });

  it('message too long names the limit, formatted for the locale', () => {
    const screen = { kind: 'notice' as const, tone: 'warning' as const, messageKey: 'notice.messageTooLong' as const, params: { limit: 4000 } };
    assert.match(fallbackText(screen, en), /4,000 characters/);
    assert.match(fallbackText(screen, 'de'), /4\.000 Zeichen/);
  });

  it('what the user typed is shown literally: no markdown in Teams, no mentions or links in Slack', () => {
    const typed = '<!channel> **boom** [x](https://evil.example)';
    const screen = { kind: 'notice' as const, tone: 'warning' as const, messageKey: 'notice.unknownCommand' as const, params: { command: typed } };
    const card = renderTeams(screen, en).content;
    // The typed text sits in a TextRun (never parsed as markdown), not in a TextBlock.
    const containsTyped = (o: unknown): string | undefined => {
      if (Array.isArray(o)) return o.map(containsTyped).find(Boolean);
      if (typeof o === 'object' && o !== null) {
        const r = o as Record<string, unknown>;
        if (typeof r.text === 'string' && r.text.includes('**boom**')) return String(r.type);
        return Object.values(r).map(containsTyped).find(Boolean);
      }
      return undefined;
    };
    assert.equal(containsTyped(card.body), 'TextRun');
    const slack = renderSlack(screen, en);
    const section = slack.blocks[0] as { text: { type: string; text: string } };
    assert.equal(section.text.type, 'plain_text');
    assert.ok(section.text.text.includes(typed));
  });

  it('escapes Slack mrkdwn control characters in names', () => {
    const slack = renderSlack({ kind: 'whoami', displayName: '<@U123> & co', partnerName: 'A<b>', roles: [], channel: 'slack' }, en);
    const all = texts(slack.blocks).join('\n');
    assert.match(all, /&lt;@U123&gt; &amp; co/);
    assert.ok(!all.includes('<@U123>'));
  });

  it('keeps Slack action_ids unique within a message', () => {
    const screen = allScreens('slack').find((s) => s.name === 'notice with two actions of one command')!.screen;
    const ids = slackButtons(renderSlack(screen, en)).map((b) => b.action_id);
    assert.deepEqual(ids, ['command:help', 'command:help:2']);
  });

  it('clamps a very long display name to Slack\'s header limit instead of breaking the message', () => {
    const slack = renderSlack({ kind: 'welcome', displayName: 'x'.repeat(500) }, en);
    assertValidBlockKit(slack);
    const h = slack.blocks[0] as { text: { text: string } };
    assert.equal(h.text.text.length, 150);
    assert.ok(h.text.text.endsWith('…'));
  });

  it("every Teams card carries the screen's text as its fallbackText (a turn's summary reuses it)", () => {
    for (const { name, screen } of allScreens('msteams')) {
      for (const locale of ['en', 'de'] as const) {
        assert.equal((renderTeams(screen, locale).content as { fallbackText?: string }).fallbackText, fallbackText(screen, locale), `${name} ${locale}`);
      }
    }
  });
});
