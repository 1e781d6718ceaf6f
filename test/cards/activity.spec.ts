import { strict as assert } from 'node:assert';
import {
  fallbackText, isForm, parseSubmitData, renderSlack, renderSlackModal, renderTeams, CARD_LIMITS,
  type ActivityExportLinkScreen, type ActivityFilterFormScreen, type ActivityLogScreen, type ActivityRowView, type Locale, type Screen,
} from '../../cards/index.js';
import { formatInstantInZone } from '../../cards/format.js';
import { LOCALES, isMessageKey, messageKeys, template } from '../../cards/i18n/index.js';
import { assertGermanDiffers, lines, objects, slackButtons, teamsSubmits, texts } from './inspect.js';
import { assertValidAdaptiveCard, assertValidBlockKit, assertValidSlackModal, MAX_MESSAGE_BYTES } from './validate.js';

// --- fixtures ----------------------------------------------------------------------------

const ZONE = 'Europe/Berlin';

function row(over: Partial<ActivityRowView> = {}): ActivityRowView {
  return {
    at: '2026-11-30T22:30:00Z',
    event: 'key_view',
    outcome: 'ok',
    userName: 'Ada Lovelace',
    ip: null,
    userAgent: null,
    customerName: 'Contoso Ltd',
    productTitle: 'Windows Server 2022 Datacenter',
    orderId: 'ORD-2026-000042',
    ...over,
  };
}

const DOWNLOAD = row({
  at: '2026-11-29T09:15:00Z',
  event: 'download',
  userName: null,
  ip: '2001:db8:85a3::8a2e:370:7334',
  userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
});

function logScreen(over: Partial<ActivityLogScreen> = {}): ActivityLogScreen {
  return {
    kind: 'activityLog',
    range: { from: '2026-11-01', to: '2026-11-30', zone: ZONE, clipped: null },
    filter: { customerName: null, userName: null, kind: null },
    summary: { keyViews: 12, linksIssued: 3, downloads: 5, refusals: 2, exports: 0, users: 4, clients: 2 },
    entries: [
      row(),
      DOWNLOAD,
      row({ at: '2026-11-28T08:00:00Z', event: 'download', outcome: 'expired', userName: null, ip: '203.0.113.7', userAgent: 'curl/8.5.0' }),
      row({ at: '2026-11-27T08:00:00Z', event: 'link_issued', userName: 'Grace Hopper' }),
      row({ at: '2026-11-26T08:00:00Z', event: 'link_expired', userName: null, customerName: null, productTitle: null }),
      row({ at: '2026-11-25T08:00:00Z', event: 'revoked', userName: null, orderId: null }),
    ],
    page: 1,
    nextCursor: null,
    ...over,
  };
}

function formScreen(over: Partial<ActivityFilterFormScreen> = {}): ActivityFilterFormScreen {
  return {
    kind: 'activityFilterForm',
    from: '2026-11-01',
    to: '2026-11-30',
    maxDate: '2026-12-02',
    minDate: '2025-11-02',
    zone: ZONE,
    customers: [{ id: 'c-contoso', name: 'Contoso Ltd' }, { id: 'c-fabrikam', name: 'Fabrikam GmbH' }],
    users: [{ id: 7, name: 'Ada Lovelace' }, { id: 9, name: 'Grace Hopper' }],
    selected: { customerId: null, userId: null, kind: null },
    problem: null,
    ...over,
  };
}

const EXPORT_URL = 'https://desk.example.com/exports/tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0';

function exportScreen(over: Partial<ActivityExportLinkScreen> = {}): ActivityExportLinkScreen {
  return {
    kind: 'activityExportLink',
    url: EXPORT_URL,
    expiresAt: '2026-12-01T10:00:00Z',
    range: { from: '2026-11-01', to: '2026-11-30', zone: ZONE, clipped: null },
    filter: { customerName: 'Contoso Ltd', userName: null, kind: 'downloads' },
    ...over,
  };
}

const LONG = 'x'.repeat(500);
const longRows = (): ActivityRowView[] =>
  Array.from({ length: CARD_LIMITS.activityEntries }, (_, i) => ({
    at: `2026-11-${String(30 - i).padStart(2, '0')}T12:00:00Z`,
    event: 'download' as const,
    outcome: i % 2 === 0 ? 'ok' : `${LONG}-reason`,
    userName: `${LONG}ü`,
    ip: LONG,
    userAgent: LONG,
    customerName: `${LONG}ä`,
    productTitle: `${LONG}ö`,
    orderId: LONG,
  }));

/** The log's own events: opened, exported, and an opening refused. They name a user, no customer, product or order. */
const LOG_EVENTS = (): ActivityRowView[] => [
  row({ at: '2026-11-30T10:00:05Z', event: 'log_viewed', userName: 'Grace Hopper', customerName: null, productTitle: null, orderId: null }),
  row({ at: '2026-11-30T10:00:00Z', event: 'log_exported', userName: 'Grace Hopper', customerName: null, productTitle: null, orderId: null }),
  row({ at: '2026-11-30T09:59:58Z', event: 'log_viewed', outcome: 'forbidden', userName: 'Ada Lovelace', customerName: null, productTitle: null, orderId: null }),
];

const FILTERED = { customerName: 'Contoso Ltd', userName: 'Ada Lovelace', kind: 'refusals' as const };

function activityScreens(): Array<{ name: string; screen: Screen }> {
  return [
    { name: 'log, first page', screen: logScreen() },
    { name: 'log, filtered, page 2 of more, clipped', screen: logScreen({ filter: FILTERED, page: 2, nextCursor: 'cur_2', range: { from: '2025-11-02', to: '2026-11-30', zone: ZONE, clipped: { retentionMonths: 13, earliest: '2025-11-02' } } }) },
    { name: 'log, empty', screen: logScreen({ entries: [], summary: { keyViews: 0, linksIssued: 0, downloads: 0, refusals: 0, exports: 0, users: 0, clients: 0 } }) },
    { name: 'log, the log\'s own events, exports counted', screen: logScreen({ entries: LOG_EVENTS(), summary: { keyViews: 0, linksIssued: 0, downloads: 0, refusals: 1, exports: 1, users: 2, clients: 0 } }) },
    { name: 'log, one day, an unknown zone', screen: logScreen({ range: { from: '2026-11-30', to: '2026-11-30', zone: 'Mars/Olympus', clipped: null } }) },
    { name: 'log, 10 rows of 500-character values', screen: logScreen({ entries: longRows(), filter: { customerName: LONG, userName: LONG, kind: 'downloads' }, nextCursor: 'c'.repeat(200) }) },
    { name: 'form', screen: formScreen() },
    { name: 'form with filters and a problem', screen: formScreen({ selected: { customerId: 'c-fabrikam', userId: 9, kind: 'downloads' }, problem: 'wrongWayRound' }) },
    {
      name: 'form with 60 long customers and users',
      screen: formScreen({
        customers: Array.from({ length: 60 }, (_, i) => ({ id: `c-${i}-${'g'.repeat(36)}`, name: `${LONG} ${i}` })),
        users: Array.from({ length: 60 }, (_, i) => ({ id: i + 1, name: `${LONG} ${i}` })),
        problem: 'notADate',
      }),
    },
    { name: 'export link', screen: exportScreen() },
    { name: 'export link, no filter', screen: exportScreen({ filter: { customerName: null, userName: null, kind: null } }) },
  ];
}

// --- looking into what is rendered ---------------------------------------------------------

const teams = (screen: Screen, locale: Locale = 'en') => renderTeams(screen, locale).content;
const slack = (screen: Screen, locale: Locale = 'en') => renderSlack(screen, locale);
const modal = (form: ActivityFilterFormScreen, locale: Locale = 'en') => renderSlackModal(form, locale);
const teamsText = (screen: Screen, locale: Locale = 'en') => lines(teams(screen, locale).body).join('\n');
const slackText = (screen: Screen, locale: Locale = 'en') =>
  texts((isForm(screen) ? modal(screen as ActivityFilterFormScreen, locale) : slack(screen, locale)).blocks).join('\n');
/** Each channel's text separately: Teams card, Slack blocks, fallback. */
const channels = (screen: Screen, locale: Locale = 'en') => ({ teams: teamsText(screen, locale), slack: slackText(screen, locale), text: fallbackText(screen, locale) });
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

type CardActionLike = { type: string; title: string; data?: Record<string, unknown>; url?: string; associatedInputs?: string; style?: string };
const cardActions = (screen: Screen, locale: Locale = 'en') => (teams(screen, locale).actions ?? []) as unknown as CardActionLike[];
const slackValues = (screen: Screen, locale: Locale = 'en') =>
  slackButtons(slack(screen, locale)).filter((b) => b.value !== undefined).map((b) => JSON.parse(b.value) as Record<string, unknown>);
const inputs = (screen: Screen, locale: Locale = 'en') => objects(teams(screen, locale).body).filter((o) => typeof o.type === 'string' && o.type.startsWith('Input.'));

interface ModalInput { type: 'input'; block_id: string; label: { text: string }; hint?: { text: string }; element: Record<string, unknown> & { type: string; action_id: string } }
const modalInputs = (form: ActivityFilterFormScreen, locale: Locale = 'en') => modal(form, locale).blocks.filter((b) => b.type === 'input') as unknown as ModalInput[];

const FORM_IDS = ['from', 'to', 'kind', 'customerId', 'userId'];

describe('cards: the activity log (R12, R13)', () => {
  describe('every screen renders valid cards, messages and modals, within the limits', () => {
    for (const { name, screen } of activityScreens()) {
      for (const locale of LOCALES) {
        it(`${name} [${locale}]`, () => {
          const card = renderTeams(screen, locale);
          assertValidAdaptiveCard(card);
          assert.ok(bytes(card) <= MAX_MESSAGE_BYTES, `${bytes(card)} bytes`);
          const message = renderSlack(screen, locale);
          assertValidBlockKit(message);
          assert.ok(message.blocks.length <= 50, `${message.blocks.length} blocks`);
          assert.equal(message.text, fallbackText(screen, locale));
          if (isForm(screen)) {
            const view = renderSlackModal(screen, locale);
            assertValidSlackModal(view);
            assert.ok(view.blocks.length <= 100);
          }
          for (const data of [...teamsSubmits(card), ...slackButtons(message).flatMap((b) => (b.value === undefined ? [] : [b.value]))]) assert.ok(parseSubmitData(data), JSON.stringify(data));
          // No placeholder left unreplaced, no catalog key shown instead of its text.
          const all = [...texts(card), ...texts(message), ...(isForm(screen) ? texts(renderSlackModal(screen, locale)) : [])].join('\n');
          assert.doesNotMatch(all, /\{[A-Za-z]+\}/);
          assert.doesNotMatch(all, /\bactivity\.[a-z]+\.[a-zA-Z_.]+/);
        });
      }
    }

    it('German differs from English on every channel', () => {
      assertGermanDiffers(activityScreens());
    });

    it('ten entries of 500-character values: the Teams card stays under 28 KB, Slack under 50 blocks and its text limits', () => {
      const screen = logScreen({ entries: longRows(), filter: { customerName: LONG, userName: LONG, kind: 'refusals' }, page: 3, nextCursor: 'next', range: { from: '2025-11-02', to: '2026-11-30', zone: ZONE, clipped: { retentionMonths: 13, earliest: '2025-11-02' } } });
      for (const locale of LOCALES) {
        const card = renderTeams(screen, locale);
        assert.ok(bytes(card) < MAX_MESSAGE_BYTES, `${bytes(card)} bytes`);
        assertValidAdaptiveCard(card);
        const message = slack(screen, locale);
        assertValidBlockKit(message);
        assert.ok(message.blocks.length < 50);
        // Long values are shortened, not dropped: every row still names its user, address and product.
        assert.equal(teamsText(screen, locale).split('\n').filter((l) => l.startsWith('xxxxx') && l.includes('…')).length >= CARD_LIMITS.activityEntries, true);
      }
    });

    it(`shows at most ${CARD_LIMITS.activityEntries} entries`, () => {
      const entries = Array.from({ length: 14 }, (_, i) => row({ at: `2026-11-${String(20 - i).padStart(2, '0')}T10:00:00Z`, orderId: `ORD-${i}` }));
      const screen = logScreen({ entries });
      for (const text of Object.values(channels(screen))) {
        assert.match(text, /Order ORD-9\b/);
        assert.doesNotMatch(text, /Order ORD-10\b/);
      }
    });
  });

  describe('activityLog', () => {
    it('says what it is: the title, the range with its zone, and the summary', () => {
      const screen = logScreen();
      for (const text of Object.values(channels(screen))) {
        assert.match(text, /Activity log/);
        assert.match(text, /Nov 1, 2026 – Nov 30, 2026, times in Europe\/Berlin/);
        assert.match(text, /12 key views · 3 links issued · 5 downloads · 2 refusals · 4 users and 2 download clients/);
      }
      for (const text of Object.values(channels(screen, 'de'))) {
        assert.match(text, /Aktivitätsprotokoll/);
        assert.match(text, /01\.11\.2026 – 30\.11\.2026, Uhrzeiten in der Zeitzone Europe\/Berlin/);
        assert.match(text, /12 Schlüsselabrufe · 3 Downloadlinks ausgestellt · 5 Downloads · 2 Ablehnungen · 4 Benutzer und 2 Download-Clients/);
      }
    });

    it('the summary is pluralised in both languages, and names download clients only when there are some', () => {
      const one = logScreen({ summary: { keyViews: 1, linksIssued: 1, downloads: 1, refusals: 1, exports: 0, users: 1, clients: 1 } });
      assert.match(fallbackText(one, 'en'), /1 key view · 1 link issued · 1 download · 1 refusal · 1 user and 1 download client$/m);
      assert.match(fallbackText(one, 'de'), /1 Schlüsselabruf · 1 Downloadlink ausgestellt · 1 Download · 1 Ablehnung · 1 Benutzer und 1 Download-Client$/m);
      const none = logScreen({ entries: [], summary: { keyViews: 0, linksIssued: 0, downloads: 0, refusals: 0, exports: 0, users: 0, clients: 0 } });
      assert.match(fallbackText(none, 'en'), /0 key views · 0 links issued · 0 downloads · 0 refusals · 0 users$/m);
      assert.match(fallbackText(none, 'de'), /0 Schlüsselabrufe · 0 Downloadlinks ausgestellt · 0 Downloads · 0 Ablehnungen · 0 Benutzer$/m);
      const many = logScreen({ summary: { keyViews: 1234, linksIssued: 2, downloads: 0, refusals: 0, exports: 0, users: 2, clients: 0 } });
      assert.match(fallbackText(many, 'en'), /1,234 key views/);
      assert.match(fallbackText(many, 'de'), /1\.234 Schlüsselabrufe/);
      assert.doesNotMatch(fallbackText(many, 'en'), /client/);
    });

    it('counts the exports of the log only when there are some, between the refusals and the users', () => {
      const summaryLine = (text: string, locale: Locale) => text.split('\n').find((l) => l.includes(locale === 'en' ? 'key view' : 'Schlüsselabruf')) ?? '';
      const three = logScreen({ summary: { keyViews: 12, linksIssued: 3, downloads: 5, refusals: 2, exports: 3, users: 4, clients: 2 } });
      for (const text of Object.values(channels(three))) assert.match(text, /12 key views · 3 links issued · 5 downloads · 2 refusals · 3 exports of the log · 4 users and 2 download clients/);
      for (const text of Object.values(channels(three, 'de'))) {
        assert.match(text, /12 Schlüsselabrufe · 3 Downloadlinks ausgestellt · 5 Downloads · 2 Ablehnungen · 3 Exporte des Protokolls · 4 Benutzer und 2 Download-Clients/);
      }
      const one = logScreen({ summary: { keyViews: 1, linksIssued: 1, downloads: 1, refusals: 1, exports: 1, users: 1, clients: 0 } });
      assert.match(fallbackText(one, 'en'), /^1 key view · 1 link issued · 1 download · 1 refusal · 1 export of the log · 1 user$/m);
      assert.match(fallbackText(one, 'de'), /^1 Schlüsselabruf · 1 Downloadlink ausgestellt · 1 Download · 1 Ablehnung · 1 Export des Protokolls · 1 Benutzer$/m);
      const many = logScreen({ summary: { keyViews: 0, linksIssued: 0, downloads: 0, refusals: 0, exports: 1234, users: 1, clients: 0 } });
      assert.match(fallbackText(many, 'en'), / · 1,234 exports of the log · /);
      assert.match(fallbackText(many, 'de'), / · 1\.234 Exporte des Protokolls · /);
      // None: not said at all, on any channel (the Export CSV button is no count).
      for (const locale of LOCALES) {
        for (const text of Object.values(channels(logScreen(), locale))) {
          const line = summaryLine(text, locale);
          assert.ok(line !== '', text);
          assert.doesNotMatch(line, /export/i);
        }
      }
      assert.match(fallbackText(logScreen(), 'en'), /· 2 refusals · 4 users and 2 download clients$/m);
    });

    it('shows each time in the screen\'s zone, to the second: 2026-11-30T22:30:00Z is 23:30:00 on 30.11.2026 in Berlin', () => {
      const screen = logScreen({ entries: [row()] });
      for (const text of Object.values(channels(screen, 'de'))) assert.match(text, /30\.11\.2026, 23:30:00 · Schlüssel abgerufen/);
      for (const text of Object.values(channels(screen, 'en'))) assert.match(text, /Nov 30, 2026, 11:30:00\s?PM · Key viewed/);
      // Events seconds apart are told apart.
      const close = logScreen({ entries: [row({ at: '2026-11-30T22:30:07Z' }), row({ at: '2026-11-30T22:30:03Z', event: 'link_issued' })] });
      for (const text of Object.values(channels(close, 'de'))) {
        assert.match(text, /30\.11\.2026, 23:30:07 · Schlüssel abgerufen/);
        assert.match(text, /30\.11\.2026, 23:30:03 · Downloadlink ausgestellt/);
      }
      for (const text of Object.values(channels(close, 'en'))) assert.match(text, /Nov 30, 2026, 11:30:07\s?PM · Key viewed/);
      // Summer time, and a day that changes: 22:30 UTC on 1 July is 00:30 on 2 July in Berlin.
      const summer = logScreen({ entries: [row({ at: '2026-07-01T22:30:00Z' })] });
      assert.match(fallbackText(summer, 'de'), /02\.07\.2026, 00:30:00/);
      // Another zone, another clock.
      const ny = logScreen({ entries: [row()], range: { from: '2026-11-30', to: '2026-11-30', zone: 'America/New_York', clipped: null } });
      assert.match(fallbackText(ny, 'de'), /30\.11\.2026, 17:30:00/);
      assert.match(fallbackText(ny, 'en'), /^Nov 30, 2026, times in America\/New_York$/m);
    });

    it('formatInstantInZone: an unknown zone is read as UTC, something unreadable is shown as given', () => {
      assert.equal(formatInstantInZone('2026-11-30T22:30:00Z', ZONE, 'de'), '30.11.2026, 23:30:00');
      assert.equal(formatInstantInZone('2026-11-30T22:30:59Z', ZONE, 'de'), '30.11.2026, 23:30:59');
      assert.equal(formatInstantInZone('2026-11-30T22:30:00Z', 'Not/AZone', 'de'), '30.11.2026, 22:30:00');
      assert.equal(formatInstantInZone('2026-11-30T22:30:00Z', '', 'de'), '30.11.2026, 22:30:00');
      assert.equal(formatInstantInZone('yesterday', ZONE, 'en'), 'yesterday');
      assert.match(formatInstantInZone('2026-11-30T22:30:00Z', ZONE, 'en'), /^Nov 30, 2026, 11:30:00\sPM$/);
    });

    it('says who: the user; for a download the address and the user agent, shortened; "—" when neither', () => {
      const noOne = row({ userName: null, event: 'link_expired' });
      const screen = logScreen({ entries: [row(), DOWNLOAD, noOne] });
      for (const text of Object.values(channels(screen))) {
        assert.match(text, /Ada Lovelace/);
        // The user agent cut to 60 characters, the ellipsis included.
        assert.match(text, /2001:db8:85a3::8a2e:370:7334 · Mozilla\/5\.0 \(Windows NT 10\.0; Win64; x64\) AppleWebKit\/537\.3…/);
        assert.doesNotMatch(text, /Chrome\/131/);
        assert.match(text, /Link expired · —|^—$/m);
      }
    });

    it('says what happened in words, and for which customer, product and order', () => {
      const screen = logScreen();
      for (const [channel, text] of Object.entries(channels(screen))) {
        for (const what of ['Key viewed', 'Downloaded', 'Download link issued', 'Link expired', 'Link revoked']) assert.match(text, new RegExp(what), `${channel}: ${what}`);
        assert.match(text, /Contoso Ltd · Windows Server 2022 Datacenter · Order ORD-2026-000042/);
      }
      for (const text of Object.values(channels(screen, 'de'))) {
        for (const what of ['Schlüssel abgerufen', 'Heruntergeladen', 'Downloadlink ausgestellt', 'Link abgelaufen', 'Link zurückgezogen']) assert.match(text, new RegExp(what));
        assert.match(text, /Contoso Ltd · Windows Server 2022 Datacenter · Bestellung ORD-2026-000042/);
      }
    });

    it('names the log\'s own events: opened and exported, each with its own Slack emoji, in English and German', () => {
      const screen = logScreen({ entries: LOG_EVENTS() });
      for (const [channel, text] of Object.entries(channels(screen))) {
        assert.match(text, /Nov 30, 2026, 11:00:05\s?AM · Activity log opened/, channel);
        assert.match(text, /Nov 30, 2026, 11:00:00\s?AM · Activity log exported/, channel);
        assert.match(text, /Grace Hopper/, channel);
      }
      for (const [channel, text] of Object.entries(channels(screen, 'de'))) {
        assert.match(text, /30\.11\.2026, 11:00:05 · Aktivitätsprotokoll geöffnet/, channel);
        assert.match(text, /30\.11\.2026, 11:00:00 · Aktivitätsprotokoll exportiert/, channel);
      }
      for (const locale of LOCALES) {
        const rows = texts(slack(screen, locale).blocks).filter((s) => /^:[a-z_]+: /.test(s));
        assert.deepEqual(rows.map((s) => s.split(' ')[0]), [':ledger:', ':outbox_tray:', ':no_entry:'], locale);
      }
      // They name a user but no customer, product or order: the row ends with the user, and nothing is marked.
      const single = logScreen({ entries: [LOG_EVENTS()[0]!] });
      assert.match(fallbackText(single, 'en'), /· Activity log opened · Grace Hopper$/m);
      assert.doesNotMatch(fallbackText(single, 'en'), /Contoso|Order /);
      const blocks = slack(single).blocks;
      const at = blocks.findIndex((b) => texts(b).some((s) => s.startsWith(':ledger: ')));
      assert.deepEqual(texts(blocks[at + 1]).filter((s) => s !== 'plain_text' && s !== 'context'), ['Grace Hopper']);
      assert.ok(!objects(teams(single)).some((o) => o.color === 'Attention'));
    });

    it('a refused opening of the log: "Refused (activity log): no permission", marked on every channel', () => {
      const screen = logScreen({ entries: [LOG_EVENTS()[2]!] });
      for (const text of Object.values(channels(screen))) {
        assert.match(text, /Nov 30, 2026, 10:59:58\s?AM · /);
        assert.ok(text.includes('Refused (activity log): no permission'), text);
      }
      for (const text of Object.values(channels(screen, 'de'))) assert.ok(text.includes('Abgelehnt (Aktivitätsprotokoll): keine Berechtigung'), text);
      const run = objects(teams(screen).body).find((o) => o.type === 'TextRun' && typeof o.text === 'string' && o.text.includes('Refused (activity log)'));
      assert.equal(run?.color, 'Attention');
      assert.ok(texts(slack(screen).blocks).some((s) => s.startsWith(':no_entry: ') && s.includes('Refused (activity log): no permission')));
      assert.doesNotMatch(JSON.stringify(slack(screen)), /:ledger:/);
    });

    describe('refusals', () => {
      // A refused download: says what was attempted, then why.
      const REASONS: Array<[string, string, string]> = [
        ['expired', 'Refused (download): the link had expired', 'Abgelehnt (Download): der Link war abgelaufen'],
        ['used_up', 'Refused (download): the link had no downloads left', 'Abgelehnt (Download): der Link hatte keine Downloads mehr'],
        ['revoked', 'Refused (download): the link had been revoked', 'Abgelehnt (Download): der Link war zurückgezogen worden'],
        ['unknown', 'Refused (download): unknown link', 'Abgelehnt (Download): unbekannter Link'],
        ['forbidden', 'Refused (download): no permission', 'Abgelehnt (Download): keine Berechtigung'],
        ['not_available', 'Refused (download): the key is no longer available', 'Abgelehnt (Download): der Schlüssel ist nicht mehr verfügbar'],
        ['undelivered', 'Refused (download): could not be delivered to the personal chat', 'Abgelehnt (Download): konnte nicht in den persönlichen Chat zugestellt werden'],
        ['timed_out', 'Refused (download): other reason (timed_out)', 'Abgelehnt (Download): anderer Grund (timed_out)'],
      ];
      for (const [outcome, en, de] of REASONS) {
        it(`${outcome}: "${en}", marked on every channel`, () => {
          const screen = logScreen({ entries: [row({ event: 'download', outcome })] });
          for (const text of Object.values(channels(screen, 'en'))) assert.ok(text.includes(en), text);
          for (const text of Object.values(channels(screen, 'de'))) assert.ok(text.includes(de), text);
          const run = objects(teams(screen).body).find((o) => o.type === 'TextRun' && typeof o.text === 'string' && o.text.includes(en));
          assert.equal(run?.color, 'Attention');
          const slackRow = texts(slack(screen).blocks).find((s) => s.includes(en));
          assert.match(slackRow ?? '', /^:no_entry: /);
        });
      }

      const ATTEMPTS: Array<[ActivityRowView['event'], string, string]> = [
        ['key_view', 'key access', 'Schlüsselzugriff'],
        ['link_issued', 'download link', 'Download-Link'],
        ['download', 'download', 'Download'],
        ['link_expired', 'download link', 'Download-Link'],
        ['revoked', 'download link', 'Download-Link'],
        ['log_viewed', 'activity log', 'Aktivitätsprotokoll'],
        ['log_exported', 'activity log export', 'Export des Aktivitätsprotokolls'],
      ];
      for (const [event, en, de] of ATTEMPTS) {
        it(`a refused ${event} says what was attempted: "Refused (${en}): …" / "Abgelehnt (${de}): …"`, () => {
          const screen = logScreen({ entries: [row({ event, outcome: 'expired' })] });
          for (const text of Object.values(channels(screen, 'en'))) assert.ok(text.includes(`Refused (${en}): the link had expired`), text);
          for (const text of Object.values(channels(screen, 'de'))) assert.ok(text.includes(`Abgelehnt (${de}): der Link war abgelaufen`), text);
          // Not what happened: the event's own name is not shown for a refusal.
          assert.doesNotMatch(fallbackText(screen, 'en'), new RegExp(template('en', `activity.event.${event}`)));
        });
      }

      it('an event that went through is not marked', () => {
        const screen = logScreen({ entries: [row(), DOWNLOAD] });
        assert.ok(!objects(teams(screen)).some((o) => o.color === 'Attention'));
        assert.doesNotMatch(JSON.stringify(slack(screen)), /no_entry|Refused/);
        assert.doesNotMatch(fallbackText(screen, 'en'), /Refused/);
      });

      it('a reason code from outside is shortened', () => {
        const screen = logScreen({ entries: [row({ outcome: `weird_${'z'.repeat(300)}` })] });
        assert.match(fallbackText(screen, 'en'), /Refused \(key access\): other reason \(weird_z+…\)/);
        assert.ok(!fallbackText(screen, 'en').includes('z'.repeat(60)));
      });
    });

    it('with no entries, says so and how to look elsewhere', () => {
      const screen = logScreen({ entries: [] });
      for (const text of Object.values(channels(screen))) {
        assert.match(text, /No key views or downloads in this range\./);
        assert.match(text, /select Change dates or filters/);
      }
      for (const text of Object.values(channels(screen, 'de'))) assert.match(text, /Keine Schlüsselabrufe oder Downloads in diesem Zeitraum\./);
    });

    it('names the filters in force, and none when there are none', () => {
      const screen = logScreen({ filter: FILTERED });
      for (const text of Object.values(channels(screen))) assert.match(text, /Filters: customer Contoso Ltd · user Ada Lovelace · Refusals only/);
      for (const text of Object.values(channels(screen, 'de'))) assert.match(text, /Filter: Kunde Contoso Ltd · Benutzer Ada Lovelace · Nur Ablehnungen/);
      for (const text of Object.values(channels(logScreen()))) assert.doesNotMatch(text, /Filters:/);
    });

    it('warns when the range reached back past what the log keeps', () => {
      const screen = logScreen({ range: { from: '2025-11-02', to: '2026-11-30', zone: ZONE, clipped: { retentionMonths: 13, earliest: '2025-11-02' } } });
      for (const text of Object.values(channels(screen))) {
        assert.match(text, /The log keeps events for 13 months\. Events before Nov 2, 2025 are no longer kept, so the list starts there\./);
      }
      assert.match(fallbackText(screen, 'de'), /Das Protokoll bewahrt Ereignisse 13 Monate lang auf\. Ereignisse vor dem 02\.11\.2025 sind nicht mehr gespeichert/);
      // Visible: Teams in a warning container, Slack with :warning:.
      const warning = objects(teams(screen).body).find((o) => o.type === 'Container' && o.style === 'warning');
      assert.ok(warning && JSON.stringify(warning).includes('13 months'));
      assert.ok(texts(slack(screen).blocks).some((s) => s.startsWith(':warning:') && s.includes('13 months')));
      for (const text of Object.values(channels(logScreen()))) assert.doesNotMatch(text, /no longer kept/);
    });

    it('shows the page number from page 2 on', () => {
      for (const text of Object.values(channels(logScreen({ page: 2, nextCursor: 'c3' })))) assert.match(text, /^Page 2$/m);
      for (const text of Object.values(channels(logScreen({ page: 2 }), 'de'))) assert.match(text, /^Seite 2$/m);
      for (const text of Object.values(channels(logScreen({ page: 1, nextCursor: 'c2' })))) assert.doesNotMatch(text, /Page \d/);
    });

    describe('the buttons, always in the same order', () => {
      const NEXT = { action: 'activity.next', cursor: 'cur_2' };
      const FILTERS = { action: 'activity.filters' };
      const CLEAR = { action: 'activity.clear' };
      const EXPORT = { action: 'activity.export' };
      const cases: Array<[string, ActivityLogScreen, unknown[], string[], string[]]> = [
        ['a next page and a filter', logScreen({ nextCursor: 'cur_2', filter: FILTERED }), [NEXT, FILTERS, CLEAR, EXPORT], ['Next page', 'Change dates or filters', 'Clear filters', 'Export CSV'], ['Nächste Seite', 'Zeitraum oder Filter ändern', 'Filter entfernen', 'Als CSV exportieren']],
        ['a next page, no filter', logScreen({ nextCursor: 'cur_2' }), [NEXT, FILTERS, EXPORT], ['Next page', 'Change dates or filters', 'Export CSV'], ['Nächste Seite', 'Zeitraum oder Filter ändern', 'Als CSV exportieren']],
        ['the last page, a kind filter only', logScreen({ page: 4, filter: { customerName: null, userName: null, kind: 'keys' } }), [FILTERS, CLEAR, EXPORT], ['Change dates or filters', 'Clear filters', 'Export CSV'], ['Zeitraum oder Filter ändern', 'Filter entfernen', 'Als CSV exportieren']],
        // An empty range has nothing to export: no Export CSV, the others in their order.
        ['the only page, no filter, nothing found', logScreen({ entries: [] }), [FILTERS], ['Change dates or filters'], ['Zeitraum oder Filter ändern']],
        ['a filter, nothing found', logScreen({ entries: [], filter: FILTERED }), [FILTERS, CLEAR], ['Change dates or filters', 'Clear filters'], ['Zeitraum oder Filter ändern', 'Filter entfernen']],
        ['a single entry, no filter', logScreen({ entries: [row()] }), [FILTERS, EXPORT], ['Change dates or filters', 'Export CSV'], ['Zeitraum oder Filter ändern', 'Als CSV exportieren']],
      ];
      for (const [name, screen, data, en, de] of cases) {
        it(name, () => {
          assert.deepEqual(cardActions(screen).map((a) => a.data), data);
          assert.deepEqual(slackValues(screen), data);
          assert.deepEqual(cardActions(screen).map((a) => a.title), en);
          assert.deepEqual(slackButtons(slack(screen)).map((b) => b.text.text), en);
          assert.deepEqual(cardActions(screen, 'de').map((a) => a.title), de);
          assert.deepEqual(slackButtons(slack(screen, 'de')).map((b) => b.text.text), de);
          // The buttons work whatever the card holds (no inputs to validate).
          for (const a of cardActions(screen)) assert.equal(a.associatedInputs, 'none');
        });
      }

      it('the next page\'s cursor is the only thing a button carries', () => {
        const screen = logScreen({ nextCursor: 'opaque-cursor', filter: FILTERED });
        const all = [...cardActions(screen).map((a) => a.data), ...slackValues(screen)];
        for (const d of all) {
          assert.deepEqual(Object.keys(d ?? {}).filter((k) => k !== 'action'), d?.action === 'activity.next' ? ['cursor'] : []);
          assert.doesNotMatch(JSON.stringify(d), /Contoso|Ada|https?:/);
        }
      });
    });
  });

  describe('activityFilterForm', () => {
    it('Teams: the inputs are exactly from, to, kind, customerId, userId, prefilled and bounded', () => {
      const form = formScreen({ selected: { customerId: 'c-fabrikam', userId: 9, kind: 'downloads' } });
      const byId = Object.fromEntries(inputs(form).map((i) => [String(i.id), i]));
      assert.deepEqual(inputs(form).map((i) => i.id), FORM_IDS);
      for (const id of ['from', 'to']) {
        assert.equal(byId[id]!.type, 'Input.Date');
        assert.equal(byId[id]!.min, '2025-11-02');
        assert.equal(byId[id]!.max, '2026-12-02');
        assert.equal(byId[id]!.isRequired, true);
      }
      assert.equal(byId.from!.value, '2026-11-01');
      assert.equal(byId.to!.value, '2026-11-30');
      assert.deepEqual([byId.kind!.value, byId.customerId!.value, byId.userId!.value], ['downloads', 'c-fabrikam', '9']);
      assert.deepEqual((byId.kind!.choices as Array<{ value: string; title: string }>).map((c) => [c.value, c.title]), [['all', 'All events'], ['keys', 'Key access only'], ['downloads', 'Downloads only'], ['refusals', 'Refusals only']]);
      assert.deepEqual((byId.customerId!.choices as Array<{ value: string; title: string }>).map((c) => [c.value, c.title]), [['all', 'All customers'], ['c-contoso', 'Contoso Ltd'], ['c-fabrikam', 'Fabrikam GmbH']]);
      assert.deepEqual((byId.userId!.choices as Array<{ value: string; title: string }>).map((c) => [c.value, c.title]), [['all', 'All users'], ['7', 'Ada Lovelace'], ['9', 'Grace Hopper']]);
      const de = Object.fromEntries(inputs(form, 'de').map((i) => [String(i.id), i]));
      assert.deepEqual([de.from!.label, de.to!.label, de.kind!.label, de.customerId!.label, de.userId!.label], ['Von', 'Bis', 'Ereignisse', 'Kunde', 'Benutzer']);
    });

    it('no filter: every choice is "all"', () => {
      const values = inputs(formScreen()).filter((i) => i.type === 'Input.ChoiceSet').map((i) => i.value);
      assert.deepEqual(values, ['all', 'all', 'all']);
      const selects = modalInputs(formScreen()).filter((i) => i.element.type === 'static_select').map((i) => (i.element.initial_option as { value: string }).value);
      assert.deepEqual(selects, ['all', 'all', 'all']);
    });

    it('Teams: Show merges the inputs into activity.apply; Back to the list returns to the log whatever the inputs hold', () => {
      const actions = cardActions(formScreen());
      assert.deepEqual(actions.map((a) => [a.type, a.title, a.data, a.style, a.associatedInputs]), [
        ['Action.Execute', 'Show', { action: 'activity.apply' }, 'positive', undefined],
        ['Action.Execute', 'Back to the list', { action: 'activity.back' }, undefined, 'none'],
      ]);
      assert.deepEqual(cardActions(formScreen(), 'de').map((a) => a.title), ['Anzeigen', 'Zurück zur Liste']);
      // The flow is not stopped from the form any more, and Back sends nothing but its action.
      assert.doesNotMatch(JSON.stringify(teams(formScreen())), /flow\.stop/);
      assert.deepEqual(parseSubmitData(JSON.stringify(actions[1]!.data)), { action: 'activity.back' });
      // With a problem shown and filters chosen, the same two buttons.
      const busy = formScreen({ selected: { customerId: 'c-fabrikam', userId: 9, kind: 'downloads' }, problem: 'wrongWayRound' });
      assert.deepEqual(cardActions(busy).map((a) => [a.data, a.associatedInputs]), [[{ action: 'activity.apply' }, undefined], [{ action: 'activity.back' }, 'none']]);
    });

    it('Slack: a modal whose inputs are exactly from, to, kind, customerId, userId; Show sends activity.apply with them merged in', () => {
      const form = formScreen({ selected: { customerId: 'c-contoso', userId: 7, kind: 'refusals' } });
      const view = modal(form);
      assert.equal(view.title.text, 'Dates and filters');
      assert.equal(view.submit?.text, 'Show');
      assert.equal(view.close?.text, 'Cancel');
      assert.equal(modal(form, 'de').submit?.text, 'Anzeigen');
      // The modal's close stays Cancel (closing the modal leaves the log as it was).
      assert.equal(modal(form, 'de').close?.text, 'Abbrechen');
      assert.doesNotMatch(JSON.stringify(view), /activity\.back/);
      const blocks = modalInputs(form);
      assert.deepEqual(blocks.map((b) => b.element.action_id), FORM_IDS);
      assert.deepEqual(blocks.map((b) => b.block_id), FORM_IDS);
      assert.deepEqual(blocks.map((b) => b.element.type), ['datepicker', 'datepicker', 'static_select', 'static_select', 'static_select']);
      assert.deepEqual(blocks.slice(0, 2).map((b) => b.element.initial_date), ['2026-11-01', '2026-11-30']);
      assert.deepEqual(blocks.slice(2).map((b) => (b.element.initial_option as { value: string }).value), ['refusals', 'c-contoso', '7']);
      // No option may have the value '' (Slack refuses it): "all" stands for no filter.
      for (const b of blocks.slice(2)) for (const o of b.element.options as Array<{ value: string }>) assert.notEqual(o.value, '');
      // What the view_submission listener makes of it: private_metadata, then each input's value by action_id.
      const submitted = parseSubmitData({ ...(JSON.parse(view.private_metadata) as object), from: '2026-11-03', to: '2026-11-09', kind: 'all', customerId: 'all', userId: '7' });
      assert.deepEqual(submitted, { action: 'activity.apply', from: '2026-11-03', to: '2026-11-09', kind: 'all', customerId: 'all', userId: '7' });
      // The earliest day is said (Slack's datepicker takes no min or max), and the zone.
      assert.equal(blocks[0]!.hint?.text, 'The log goes back to Nov 2, 2025.');
      assert.match(slackText(form), /Days are read in Europe\/Berlin\./);
      assert.match(slackText(form, 'de'), /Die Tage gelten in der Zeitzone Europe\/Berlin\./);
    });

    it('says the zone the days are read in on Teams and in the text too', () => {
      assert.match(teamsText(formScreen()), /Days are read in Europe\/Berlin\./);
      assert.match(fallbackText(formScreen(), 'en'), /Days are read in Europe\/Berlin\./);
    });

    const PROBLEMS: Array<[ActivityFilterFormScreen['problem'] & string, RegExp, RegExp]> = [
      ['notADate', /A date could not be read\./, /Ein Datum konnte nicht gelesen werden\./],
      ['wrongWayRound', /The start comes after the end, so nothing is shown\./, /Der Beginn liegt nach dem Ende/],
      ['future', /That range lies in the future: the log has nothing there yet\./, /liegt in der Zukunft/],
      ['tooLong', /That range is longer than I can show at a time\./, /Dieser Zeitraum ist länger, als ich auf einmal zeigen kann\./],
    ];
    for (const [problem, en, de] of PROBLEMS) {
      it(`the problem ${problem} is shown above the inputs`, () => {
        const form = formScreen({ problem });
        // Teams: in attention colour, before the first input.
        const body = teams(form).body;
        const at = body.findIndex((e) => JSON.stringify(e).match(en));
        const firstInput = body.findIndex((e) => e.type === 'Input.Date');
        assert.ok(at >= 0 && at < firstInput, `${at} < ${firstInput}`);
        assert.match(JSON.stringify(body[at]), /"color":"Attention"/);
        // Slack: the modal's first block.
        const first = modal(form).blocks[0]!;
        assert.equal(first.type, 'section');
        assert.match(JSON.stringify(first), en);
        assert.match(JSON.stringify(first), /:warning:/);
        assert.match(fallbackText(form, 'en'), en);
        assert.match(fallbackText(form, 'de'), de);
        assert.match(JSON.stringify(modal(form, 'de').blocks[0]), de);
      });
    }

    it('no problem, no warning', () => {
      assert.equal(modal(formScreen()).blocks[0]!.type, 'context');
      assert.ok(!objects(teams(formScreen())).some((o) => o.color === 'Attention'));
    });

    it('a prefill that is no day is left out of the pickers (Slack refuses such a view), the rest stays', () => {
      const form = formScreen({ from: 'gestern', to: '2026-02-30', problem: 'notADate' });
      const byId = Object.fromEntries(inputs(form).map((i) => [String(i.id), i]));
      assert.equal(byId.from!.value, undefined);
      assert.equal(byId.to!.value, undefined);
      const [from, to] = modalInputs(form);
      assert.equal(from!.element.initial_date, undefined);
      assert.equal(to!.element.initial_date, undefined);
      assertValidSlackModal(modal(form));
      assertValidAdaptiveCard(renderTeams(form, 'en'));
    });

    it(`offers at most ${CARD_LIMITS.activityChoices} customers and users besides "all", and keeps the one filtered by`, () => {
      const form = formScreen({
        customers: Array.from({ length: 70 }, (_, i) => ({ id: `c${i}`, name: `Customer ${i}` })),
        users: Array.from({ length: 70 }, (_, i) => ({ id: i + 1, name: `User ${i}` })),
        selected: { customerId: 'c-gone', userId: 999, kind: null },
      });
      const byId = Object.fromEntries(inputs(form).map((i) => [String(i.id), i]));
      const customers = byId.customerId!.choices as Array<{ value: string; title: string }>;
      const users = byId.userId!.choices as Array<{ value: string; title: string }>;
      assert.equal(customers.length, CARD_LIMITS.activityChoices + 2);
      assert.equal(users.length, CARD_LIMITS.activityChoices + 2);
      assert.deepEqual(customers.slice(0, 2).map((c) => c.value), ['all', 'c-gone']);
      assert.deepEqual(users.slice(0, 2).map((c) => [c.value, c.title]), [['all', 'All users'], ['999', 'User 999']]);
      assert.equal(byId.customerId!.value, 'c-gone');
      assert.equal(byId.userId!.value, '999');
      const selects = modalInputs(form).slice(3);
      assert.deepEqual(selects.map((s) => (s.element.options as unknown[]).length), [CARD_LIMITS.activityChoices + 2, CARD_LIMITS.activityChoices + 2]);
      assert.deepEqual(selects.map((s) => (s.element.initial_option as { value: string }).value), ['c-gone', '999']);
    });
  });

  describe('activityExportLink', () => {
    it('says what the export holds, until when the link works and that downloads are recorded; the link only behind Download CSV', () => {
      const screen = exportScreen();
      for (const text of Object.values(channels(screen))) {
        assert.match(text, /Your export of the activity log: Nov 1, 2026 – Nov 30, 2026, times in Europe\/Berlin\./);
        assert.match(text, /Filters: customer Contoso Ltd · Downloads only/);
        assert.match(text, /The link works until Dec 1, 2026, 10:00\sAM UTC\. Keep it to yourself: whoever has it can download this export until then \(while you keep your role\), and each download is recorded in the activity log\./);
      }
      for (const text of Object.values(channels(screen, 'de'))) {
        assert.match(text, /Ihr Export des Aktivitätsprotokolls: 01\.11\.2026 – 30\.11\.2026/);
        assert.match(text, /Der Link funktioniert bis 01\.12\.2026, 10:00 UTC\. Geben Sie ihn nicht weiter/);
      }
      assert.deepEqual(cardActions(screen).map((a) => [a.type, a.title, a.url]), [['Action.OpenUrl', 'Download CSV', EXPORT_URL]]);
      assert.deepEqual(slackButtons(slack(screen)).map((b) => [b.text.text, (b as unknown as { url: string }).url, b.value]), [['Download CSV', EXPORT_URL, undefined]]);
      assert.deepEqual(cardActions(screen, 'de').map((a) => a.title), ['CSV herunterladen']);
    });

    it('never puts the URL (a bearer link) in any text: not the fallback, the Slack text or the card\'s lines', () => {
      for (const locale of LOCALES) {
        const screen = exportScreen();
        const token = 'tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
        assert.ok(!fallbackText(screen, locale).includes(token));
        assert.ok(!(teams(screen, locale).fallbackText ?? '').includes(token));
        assert.ok(!slack(screen, locale).text.includes(token));
        assert.ok(!teamsText(screen, locale).includes(token));
        assert.doesNotMatch(fallbackText(screen, locale), /https?:/);
        // Only in the button.
        assert.equal(JSON.stringify(teams(screen, locale)).split(token).length - 1, 1);
        assert.equal(JSON.stringify(slack(screen, locale)).split(token).length - 1, 1);
      }
    });
  });

  describe('the catalogs', () => {
    /** The keys the dialog, the bot and the export page use, with their placeholders. */
    const DIALOG_KEYS: Record<string, string[]> = {
      'activity.range.notADate': ['text'],
      'activity.range.wrongWayRound': [],
      'activity.range.future': [],
      'activity.range.tooLong': ['maxDays'],
      'activity.range.emptyAfterRetention': ['earliest', 'retentionMonths'],
      'activity.export.preparing': ['from', 'to'],
      'activity.export.uploadedComment.one': ['from', 'to'],
      'activity.export.uploadedComment.other': ['from', 'rows', 'to'],
      'activity.export.failed': [],
      'activity.export.sentToPersonalChat': [],
      'activity.export.noPersonalChat': [],
      'activity.link.unknown': [],
      'activity.link.expired': [],
      'activity.link.error': [],
      'activity.link.forbidden': [],
      'activity.link.preview': [],
      'activity.link.title': [],
      'activity.export.fileTitle': ['from', 'to'],
      'activity.refused.invalidCursor': [],
      'activity.refused.invalidRange': [],
    };
    /** The keys of the log's own events, the attempts a refusal names, the exports count and the form's Back button. */
    const CARD_KEYS: Record<string, string[]> = {
      'activity.refused': ['reason', 'what'],
      'activity.attempt.key_view': [],
      'activity.attempt.link_issued': [],
      'activity.attempt.download': [],
      'activity.attempt.link_expired': [],
      'activity.attempt.revoked': [],
      'activity.attempt.log_viewed': [],
      'activity.attempt.log_exported': [],
      'activity.event.log_viewed': [],
      'activity.event.log_exported': [],
      'activity.count.exports.one': [],
      'activity.count.exports.other': ['count'],
      'activity.form.back': [],
    };
    const placeholders = (text: string) => [...text.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!).sort();

    it('has every key the dialog and the log\'s rows use, in English and German, with exactly its placeholders', () => {
      for (const [key, params] of Object.entries({ ...DIALOG_KEYS, ...CARD_KEYS })) {
        assert.ok(isMessageKey(key), key);
        for (const locale of LOCALES) assert.deepEqual(placeholders(template(locale, key)), params, `${locale} ${key}`);
      }
    });

    it('every activity text is German in German, with the "Sie" form where it addresses the reader', () => {
      const keys = messageKeys().filter((k) => k.startsWith('activity.'));
      assert.ok(keys.length > 60);
      for (const key of keys) {
        assert.notEqual(template('de', key), template('en', key), key);
        assert.doesNotMatch(template('de', key), /\b(du|dich|dein|deine)\b/i, key);
      }
      assert.match(template('de', 'activity.export.noPersonalChat'), /öffnen Sie/);
    });
  });
});
