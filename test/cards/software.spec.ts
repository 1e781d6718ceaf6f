import { strict as assert } from 'node:assert';
import {
  buySearchModal, CARD_LIMITS, fallbackText, notice, parseSubmitData, renderSlack, renderTeams,
  type Locale, type Screen, type SoftwareChoicesScreen, type SoftwareKeysScreen, type SoftwareListScreen, type SoftwareRow,
} from '../../cards/index.js';
import { LOCALES } from '../../cards/i18n/index.js';
import { contoso, customerScreen, longCustomer, manyCustomers } from './fixtures.js';
import { objects, slackButtons, teamsSubmits, texts } from './inspect.js';
import { assertValidAdaptiveCard, assertValidBlockKit, assertValidSlackModal } from './validate.js';

const LONG_TITLE = `${'Windows Server 2022 Datacenter – 16 core licence pack with Software Assurance '.repeat(3)}`;

function row(i: number, over: Partial<SoftwareRow> = {}): SoftwareRow {
  return {
    orderId: `ORD-2025-${100000 + i}`,
    lineNumber: 1 + (i % 3),
    title: `SQL Server 2022 Standard – 2 core licence pack ${i}`,
    quantity: 10 + i,
    status: 'completed',
    purchaseDate: `2025-03-${String(1 + (i % 28)).padStart(2, '0')}`,
    keyAvailable: true,
    ...over,
  };
}

const available = row(0);
const cancelled = row(1, { status: 'cancelled', keyAvailable: false, title: 'Windows Server 2019 Standard' });
const cancelling = row(2, { status: 'cancel_pending', keyAvailable: false });

function listScreen(over: Partial<SoftwareListScreen> = {}): SoftwareListScreen {
  return { kind: 'softwareList', customer: contoso, items: [available, cancelled, cancelling], ...over };
}

const VERSIONS = ['2022', '2019'];
const LANGUAGES = ['English', 'German', 'French'];
const FILE_TYPES = ['ISO (x64)', 'ZIP (ARM64)'];
/** Not every combination exists: 2019 has no French and no ARM64. */
const VARIANTS: SoftwareChoicesScreen['variants'] = [
  { id: 11, version: '2022', language: 'English', fileType: 'ISO (x64)' },
  { id: 12, version: '2022', language: 'English', fileType: 'ZIP (ARM64)' },
  { id: 13, version: '2022', language: 'German', fileType: 'ISO (x64)' },
  { id: 14, version: '2022', language: 'French', fileType: 'ISO (x64)' },
  { id: 21, version: '2019', language: 'English', fileType: 'ISO (x64)' },
  { id: 22, version: '2019', language: 'German', fileType: 'ISO (x64)' },
];

function choicesScreen(over: Partial<SoftwareChoicesScreen> = {}): SoftwareChoicesScreen {
  return {
    kind: 'softwareChoices', customer: contoso, item: available,
    versions: VERSIONS, languages: LANGUAGES, fileTypes: FILE_TYPES, variants: VARIANTS, ...over,
  };
}

/** Thirty long-named combinations: beyond what Slack shows as buttons. */
function manyVariants(): Pick<SoftwareChoicesScreen, 'versions' | 'languages' | 'fileTypes' | 'variants'> {
  const versions = Array.from({ length: 5 }, (_, i) => `Windows Server 2022 Datacenter Edition build 20348.${i} ${'x'.repeat(60)}`);
  const languages = ['English (United States)', 'German (Germany)', 'French (France)'];
  const fileTypes = ['ISO image for x64-based systems', 'VHDX virtual hard disk (Hyper-V)'];
  const variants = versions.flatMap((version, a) =>
    languages.flatMap((language, b) => fileTypes.map((fileType, c) => ({ id: 1000 + a * 100 + b * 10 + c, version, language, fileType }))),
  );
  return { versions, languages, fileTypes, variants };
}

const KEY = 'VK7JG-NPHTM-C97JM-9MPGT-3V66T';
const URL = 'https://desk.example.com/download/7Hq2xZr9Kd0pLw3vN5bC8mYt1Ua6Es4Fg';

function keysScreen(over: Partial<SoftwareKeysScreen> = {}): SoftwareKeysScreen {
  return {
    kind: 'softwareKeys', customer: contoso, item: available,
    variant: { version: '2022', language: 'German', fileType: 'ISO (x64)' },
    activationKey: KEY, simulated: false, downloadUrl: URL,
    expiresAt: '2025-03-19T14:03:00.000Z', maxDownloads: 50, ...over,
  };
}

function softwareScreens(): Array<{ name: string; screen: Screen }> {
  const longItems = Array.from({ length: 40 }, (_, i) => row(i, { title: `${LONG_TITLE}${i}`, keyAvailable: i % 4 !== 3, status: i % 4 === 3 ? 'cancelled' : 'completed' }));
  return [
    { name: 'softwareList', screen: listScreen() },
    { name: 'softwareList (empty)', screen: listScreen({ items: [] }) },
    { name: 'softwareList (beyond the limit, long)', screen: listScreen({ customer: longCustomer, items: longItems }) },
    { name: 'softwareChoices', screen: choicesScreen() },
    { name: 'softwareChoices (missing, selected)', screen: choicesScreen({ missing: { version: '2019', language: 'French', fileType: 'ISO (x64)' }, selected: { version: '2019', language: 'French', fileType: 'ISO (x64)' } }) },
    { name: 'softwareChoices (no downloads)', screen: choicesScreen({ versions: [], languages: [], fileTypes: [], variants: [] }) },
    { name: 'softwareChoices (30 long combinations, long title)', screen: choicesScreen({ customer: longCustomer, item: row(5, { title: LONG_TITLE }), ...manyVariants() }) },
    { name: 'softwareKeys', screen: keysScreen() },
    { name: 'softwareKeys (simulated, long)', screen: keysScreen({ simulated: true, customer: longCustomer, item: row(7, { title: LONG_TITLE }) }) },
    { name: 'buyCustomer for software', screen: customerScreen({ flow: 'software', query: 'Fabrikam', result: 'many', customers: manyCustomers }) },
    { name: 'notice software.empty', screen: notice('info', 'software.empty', { customer: 'Contoso Ltd' }) },
    { name: 'notice software.keyNotAvailable', screen: notice('warning', 'software.keyNotAvailable', { title: 'Windows Server 2019 Standard' }) },
    { name: 'notice software.itemNotFound', screen: notice('warning', 'software.itemNotFound') },
    { name: 'notice software.sentPrivately', screen: notice('info', 'software.sentPrivately') },
    { name: 'notice software.noPersonalChat', screen: notice('warning', 'software.noPersonalChat') },
    { name: 'notice software.slackPrivate', screen: notice('info', 'software.slackPrivate') },
  ];
}

const teams = (screen: Screen, locale: Locale = 'en') => renderTeams(screen, locale).content;
const slack = (screen: Screen, locale: Locale = 'en') => renderSlack(screen, locale);
const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;
const seen = (screen: Screen, locale: Locale = 'en'): string => [...texts(teams(screen, locale).body), ...texts(slack(screen, locale).blocks), fallbackText(screen, locale)].join('\n');
const slackValues = (screen: Screen, locale: Locale = 'en'): Array<Record<string, unknown>> => slackButtons(slack(screen, locale)).map((b) => JSON.parse(b.value) as Record<string, unknown>);
const submits = (screen: Screen, locale: Locale = 'en') => teamsSubmits(teams(screen, locale)) as Array<Record<string, unknown>>;
const choiceSets = (screen: Screen, locale: Locale = 'en') => objects(teams(screen, locale).body).filter((o) => o.type === 'Input.ChoiceSet');

describe('cards/software', () => {
  describe('every screen renders valid cards on both channels', () => {
    for (const { name, screen } of softwareScreens()) {
      for (const locale of LOCALES) {
        it(`${name} [${locale}]`, () => {
          const card = renderTeams(screen, locale);
          assertValidAdaptiveCard(card);
          const message = renderSlack(screen, locale);
          assertValidBlockKit(message);
          assert.equal(message.text, fallbackText(screen, locale));
          for (const data of [...teamsSubmits(card), ...slackButtons(message).map((b) => b.value)]) assert.ok(parseSubmitData(data), JSON.stringify(data));
        });
      }
    }

    it('German differs from English on every channel', () => {
      for (const { name, screen } of softwareScreens()) {
        assert.notEqual(JSON.stringify(renderTeams(screen, 'de')), JSON.stringify(renderTeams(screen, 'en')), `Teams ${name}`);
        assert.notEqual(JSON.stringify(renderSlack(screen, 'de')), JSON.stringify(renderSlack(screen, 'en')), `Slack ${name}`);
        assert.notEqual(fallbackText(screen, 'de'), fallbackText(screen, 'en'), `text ${name}`);
      }
    });
  });

  describe('customer search for keys', () => {
    it('sends software.* actions, asks "whose software?" and says /csp keys', () => {
      const screen = customerScreen({ flow: 'software', query: 'Fabrikam', result: 'many', customers: manyCustomers.slice(0, 2) });
      assert.deepEqual(new Set(submits(screen).map((d) => d.action)), new Set(['software.customer', 'software.search', 'flow.stop']));
      assert.deepEqual(submits(screen).filter((d) => d.action === 'software.customer'), manyCustomers.slice(0, 2).map((c) => ({ action: 'software.customer', customerId: c.id })));
      assert.deepEqual(slackValues(screen).filter((d) => d.action === 'software.customer'), manyCustomers.slice(0, 2).map((c) => ({ action: 'software.customer', customerId: c.id })));
      assert.match(seen(screen), /Keys and downloads: whose software\?/);
      assert.match(seen(screen, 'de'), /Schlüssel und Downloads: für welchen Kunden\?/);
      assert.match(texts(slack(screen).blocks).join('\n'), /`\/csp keys \[customer\]`/);
      assert.match(texts(slack(screen, 'de').blocks).join('\n'), /`\/csp keys \[Kunde\]`/);
    });

    it('the Slack search modal sends software.search and names the flow', () => {
      const view = buySearchModal('en', { action: 'software.search' }, 'Conto');
      assertValidSlackModal(view);
      assert.deepEqual(JSON.parse(view.private_metadata), { action: 'software.search' });
      assert.match(texts(view.blocks).join('\n'), /Keys and downloads: whose software\?/);
    });
  });

  describe('softwareList (R9, R19)', () => {
    it('a "Keys and downloads" button per available purchase, none for cancelled ones', () => {
      const screen = listScreen();
      const expected = [{ action: 'software.item', orderId: available.orderId, lineNumber: available.lineNumber }];
      assert.deepEqual(submits(screen).filter((d) => d.action === 'software.item'), expected);
      assert.deepEqual(slackValues(screen).filter((d) => d.action === 'software.item'), expected);
      assert.ok(objects(teams(screen)).some((o) => (o.type === 'Action.Submit' || o.type === 'Action.Execute') && o.title === 'Keys and downloads'));
      assert.ok(slackButtons(slack(screen, 'de')).some((b) => b.text.text === 'Schlüssel und Downloads'));
      // Cancel works on the list like on the purchase screens.
      assert.ok(submits(screen).some((d) => d.action === 'flow.stop'));
    });

    it('the stop button reads "Close" (next to "Cancelled", "Cancel" read as cancelling a purchase); with no key available the hint says so instead of pointing at a button', () => {
      const stops = (screen: Screen) => [
        ...objects(teams(screen)).filter((o) => (o.data as { action?: string } | undefined)?.action === 'flow.stop').map((o) => o.title),
        ...slackButtons(slack(screen)).filter((b) => JSON.parse(b.value).action === 'flow.stop').map((b) => b.text.text),
      ];
      assert.deepEqual(stops(listScreen()), ['Close', 'Close']);
      assert.match(seen(listScreen()), /Select Keys and downloads/);
      const none = listScreen({ items: [cancelled, cancelling] });
      assert.equal(count(seen(none), /None of these purchases has a key available/), 3, 'Teams, Slack and the text');
      assert.doesNotMatch(seen(none), /Select Keys and downloads/);
      assert.match(seen(none, 'de'), /Keiner dieser Käufe hat einen verfügbaren Schlüssel/);
    });

    it('shows "key not available" with the status for cancelled and cancelling purchases, in both languages', () => {
      const screen = listScreen();
      for (const [locale, pattern] of [['en', /Cancelled · Key not available/], ['de', /Storniert · Schlüssel nicht verfügbar/]] as const) {
        assert.match(seen(screen, locale), pattern);
        assert.match(fallbackText(screen, locale), pattern);
      }
      assert.match(seen(screen), /Cancellation pending · Key not available/);
      assert.match(seen(screen), /Windows Server 2019 Standard/);
      // The available one says nothing of the kind.
      const availableLine = fallbackText(screen, 'en').split('\n').find((l) => l.includes(available.title))!;
      assert.ok(!availableLine.includes('Key not available'), availableLine);
      assert.match(availableLine, /Order ORD-2025-100000 · quantity 10 · Mar 1, 2025; Completed/);
    });

    it('lists at most 25 purchases and says so when there are more', () => {
      const items = Array.from({ length: 40 }, (_, i) => row(i));
      const screen = listScreen({ items });
      assert.equal(submits(screen).filter((d) => d.action === 'software.item').length, CARD_LIMITS.software);
      assert.equal(slackValues(screen).filter((d) => d.action === 'software.item').length, CARD_LIMITS.software);
      assert.match(seen(screen), /Only the newest 25 purchases are listed\./);
      assert.doesNotMatch(seen(listScreen()), /Only the newest/);
    });

    it('an empty list says nothing was bought and points to buy', () => {
      const screen = listScreen({ items: [] });
      assert.match(seen(screen), /No software with keys has been bought for this customer \(Contoso Ltd\) yet\. To buy some, use the buy command\./);
      assert.match(seen(screen, 'de'), /Für diesen Kunden \(Contoso Ltd\) wurde noch keine Software mit Schlüsseln gekauft/);
      assert.deepEqual(submits(screen), [{ action: 'flow.stop' }]);
    });
  });

  describe('softwareChoices (R9)', () => {
    it('names languages stored as tags ("de-DE" → German (Germany)), in the reader\'s language; the value stays the tag', () => {
      const screen = choicesScreen({ languages: ['de-DE', 'en-US', 'pt-BR'], variants: [{ id: 1, version: '2022', language: 'de-DE', fileType: 'ISO (x64)' }] });
      for (const [locale, german, others] of [
        ['en', 'German (Germany)', ['English (United States)', 'Portuguese (Brazil)']],
        ['de', 'Deutsch (Deutschland)', ['Englisch (Vereinigte Staaten)', 'Portugiesisch (Brasilien)']],
      ] as const) {
        const picker = objects(teams(screen, locale).body).find((o) => o.type === 'Input.ChoiceSet' && o.id === 'language')!;
        assert.deepEqual((picker.choices as unknown[])[0], { title: german, value: 'de-DE' });
        assert.deepEqual((picker.choices as Array<{ title: string }>).slice(1).map((c) => c.title), others, 'one style for every tag: language (region), not "American English"');
        assert.ok(slackButtons(slack(screen, locale)).some((b) => b.text.text.includes(german)), `Slack ${locale}`);
      }
    });


    it('Teams: three compact pickers with only the product\'s values, the first preselected', () => {
      const sets = choiceSets(choicesScreen());
      assert.deepEqual(sets.map((s) => s.id), ['version', 'language', 'fileType']);
      assert.ok(sets.every((s) => s.style === 'compact' && s.isRequired === true));
      const values = (s: Record<string, unknown>) => (s.choices as Array<{ value: string }>).map((c) => c.value);
      assert.deepEqual(sets.map(values), [VERSIONS, LANGUAGES, FILE_TYPES]);
      assert.deepEqual(sets.map((s) => s.value), ['2022', 'English', 'ISO (x64)']);
      assert.deepEqual(sets.map((s) => s.label), ['Product version', 'Language', 'File type/OS']);
      assert.deepEqual(choiceSets(choicesScreen(), 'de').map((s) => s.label), ['Produktversion', 'Sprache', 'Dateityp/Betriebssystem']);
    });

    it('Teams: "Get keys and downloads" carries the purchase; Teams merges the picks into it', () => {
      const actions = objects(teams(choicesScreen())).filter((o) => (o.type === 'Action.Submit' || o.type === 'Action.Execute'));
      const get = actions.find((a) => (a.data as { action: string }).action === 'software.get')!;
      assert.equal(get.title, 'Get keys and downloads');
      assert.deepEqual(get.data, { action: 'software.get', orderId: available.orderId, lineNumber: available.lineNumber });
      assert.notEqual(get.associatedInputs, 'none', 'the button must take the pickers along');
      assert.deepEqual(
        parseSubmitData({ ...(get.data as object), version: '2019', language: 'German', fileType: 'ISO (x64)' }),
        { action: 'software.get', orderId: available.orderId, lineNumber: available.lineNumber, version: '2019', language: 'German', fileType: 'ISO (x64)' },
      );
      const cancel = actions.find((a) => (a.data as { action: string }).action === 'flow.stop')!;
      assert.equal(cancel.associatedInputs, 'none');
      assert.ok(objects(teams(choicesScreen(), 'de')).some((o) => o.title === 'Schlüssel und Downloads abrufen'));
    });

    it('Slack: one button per existing combination, sending its variant id', () => {
      const screen = choicesScreen();
      const gets = slackButtons(slack(screen)).filter((b) => b.action_id.startsWith('software.get'));
      assert.deepEqual(gets.map((b) => JSON.parse(b.value)), VARIANTS.map((v) => ({ action: 'software.get', orderId: available.orderId, lineNumber: available.lineNumber, variantId: v.id })));
      assert.deepEqual(gets.map((b) => b.text.text), VARIANTS.map((v) => `${v.version} · ${v.language} · ${v.fileType}`));
      assert.ok(gets.every((b) => b.style === undefined));
      // Only what exists is offered: 2019 has no French.
      assert.ok(!gets.some((b) => b.text.text === '2019 · French · ISO (x64)'));
    });

    it('Teams lists the combinations that exist when not every one does, and not otherwise', () => {
      assert.match(texts(teams(choicesScreen()).body).join('\n'), /Available combinations:[^]*2019 · German · ISO \(x64\)/);
      const full = choicesScreen({
        versions: ['2022'], languages: ['English', 'German'], fileTypes: ['ISO (x64)'],
        variants: [{ id: 1, version: '2022', language: 'English', fileType: 'ISO (x64)' }, { id: 2, version: '2022', language: 'German', fileType: 'ISO (x64)' }],
      });
      assert.doesNotMatch(texts(teams(full).body).join('\n'), /Available combinations/);
    });

    it('an invalid combination is named above the pickers, which keep the choice', () => {
      const chosen = { version: '2019', language: 'French', fileType: 'ISO (x64)' };
      const screen = choicesScreen({ missing: chosen, selected: chosen });
      const body = teams(screen).body;
      const warning = JSON.stringify(body).indexOf('There is no download of this product for 2019 · French · ISO (x64)');
      assert.ok(warning > 0 && warning < JSON.stringify(body).indexOf('Input.ChoiceSet'));
      assert.deepEqual(choiceSets(screen).map((s) => s.value), ['2019', 'French', 'ISO (x64)']);
      assert.match(seen(screen, 'de'), /Für 2019 · French · ISO \(x64\) gibt es keinen Download dieses Produkts/);
      const slackTexts = texts(slack(screen).blocks);
      assert.ok(slackTexts.findIndex((s) => s.includes('There is no download')) < slackTexts.findIndex((s) => s.includes('2022 · English')));
    });

    it('Slack highlights the preselected combination', () => {
      const screen = choicesScreen({ selected: { version: '2022', language: 'German', fileType: 'ISO (x64)' } });
      const gets = slackButtons(slack(screen)).filter((b) => b.action_id.startsWith('software.get'));
      assert.deepEqual(gets.filter((b) => b.style === 'primary').map((b) => JSON.parse(b.value).variantId), [13]);
    });

    it('a preselection the product does not have falls back to the first value', () => {
      const screen = choicesScreen({ selected: { version: '1999', language: 'German', fileType: 'EXE' } });
      assert.deepEqual(choiceSets(screen).map((s) => s.value), ['2022', 'German', 'ISO (x64)']);
    });

    it('Slack shows at most 20 combinations and says so', () => {
      const screen = choicesScreen(manyVariants());
      const gets = slackButtons(slack(screen)).filter((b) => b.action_id.startsWith('software.get'));
      assert.equal(gets.length, CARD_LIMITS.softwareVariants);
      assert.match(texts(slack(screen).blocks).join('\n'), /Only the first 20 combinations are listed\./);
      assert.ok(gets.every((b) => b.text.text.length <= 75));
    });

    it('no downloads: says so and offers no Get button', () => {
      const screen = choicesScreen({ versions: [], languages: [], fileTypes: [], variants: [] });
      assert.match(seen(screen), /There are no downloads for this product\./);
      assert.deepEqual(choiceSets(screen), []);
      assert.ok(!submits(screen).some((d) => d.action === 'software.get'));
      assert.ok(!slackValues(screen).some((d) => d.action === 'software.get'));
    });
  });

  describe('softwareKeys (R9–R11)', () => {
    it('Teams: the key in monospace, a Download link button, the expiry, and the warning', () => {
      const card = teams(keysScreen());
      const key = objects(card.body).find((o) => o.text === KEY)!;
      assert.equal(key.type, 'TextBlock');
      assert.equal(key.fontType, 'Monospace');
      const open = objects(card).filter((o) => o.type === 'Action.OpenUrl');
      assert.deepEqual(open.map((o) => [o.title, o.url]), [['Download', URL]]);
      const all = texts(card.body).join('\n');
      assert.match(all, /works until Mar 19, 2025, 2:03\sPM UTC or for 50 downloads, whichever comes first\./);
      // The card that had the button is this one now (issue 13): the way back is the command.
      assert.match(all, /Ask again with keys and choose this purchase/);
      assert.match(all, /Send this to the customer privately; do not post it in a channel\./);
      assert.match(fallbackText(keysScreen(), 'en'), /Order: ORD-2025-100000 · quantity 10 · bought on Mar 1, 2025\nProduct version: 2022\nLanguage: German\nFile type\/OS: ISO \(x64\)/);
      assert.doesNotMatch(all, /Simulated key/);
      const de = texts(teams(keysScreen(), 'de')).join('\n');
      assert.match(de, /funktioniert bis 19\.03\.2025, 14:03 UTC oder für 50 Downloads/);
      assert.ok(objects(teams(keysScreen(), 'de')).some((o) => o.type === 'Action.OpenUrl' && o.title === 'Herunterladen'));
    });

    it('Slack: the key as a code span and a url button', () => {
      const message = slack(keysScreen());
      assert.ok(texts(message.blocks).some((s) => s.includes(`\`${KEY}\``)));
      const buttons = slackButtons(message) as Array<{ url?: string; text: { text: string } }>;
      assert.deepEqual(buttons.map((b) => [b.text.text, b.url]), [['Download', URL]]);
      const all = texts(message.blocks).join('\n');
      assert.match(all, /2:03\sPM UTC or for 50 downloads/);
      assert.match(all, /do not post it in a channel/);
    });

    it('says clearly when the key is simulated', () => {
      for (const [locale, badge] of [['en', /Simulated key — not a Microsoft product key/], ['de', /Simulierter Schlüssel – kein Microsoft-Produktschlüssel/]] as const) {
        const screen = keysScreen({ simulated: true });
        assert.match(texts(teams(screen, locale).body).join('\n'), badge);
        assert.match(texts(slack(screen, locale).blocks).join('\n'), badge);
        assert.match(fallbackText(screen, locale), badge);
      }
    });

    it('no submit data, button value or notification text carries the key or the link', () => {
      for (const screen of [keysScreen(), keysScreen({ simulated: true })]) {
        for (const locale of LOCALES) {
          const card = teams(screen, locale);
          const actionData = objects(card).filter((o) => typeof o.type === 'string' && o.type.startsWith('Action.')).map((o) => JSON.stringify(o.data ?? {}));
          const values = slackButtons(slack(screen, locale)).map((b) => b.value);
          for (const text of [...actionData, ...values, fallbackText(screen, locale), card.fallbackText ?? '', slack(screen, locale).text]) {
            assert.ok(!text.includes(KEY), `key in ${text}`);
            assert.ok(!text.includes(URL), `link in ${text}`);
          }
          // The link appears twice per channel: as the Download button's url and as text to copy for the customer.
          assert.equal(JSON.stringify(card).split(URL).length - 1, 2);
          assert.equal(JSON.stringify(slack(screen, locale)).split(URL).length - 1, 2);
          assert.ok(objects(card.body).some((o) => o.type === 'TextRun' && o.text === URL), 'Teams: the link as literal text');
          assert.deepEqual(values.map((v) => JSON.parse(v)), [{ action: 'software.download' }]);
        }
      }
    });

    it('a key that markdown could read stays literal', () => {
      const odd = 'AB*CD_EF`GH[1](x)';
      const card = teams(keysScreen({ activationKey: odd }));
      const run = objects(card.body).find((o) => o.text === odd)!;
      assert.equal(run.type, 'TextRun');
      assert.equal(run.fontType, 'Monospace');
      assertValidAdaptiveCard(card);
      const message = slack(keysScreen({ activationKey: odd }));
      assertValidBlockKit(message);
      assert.ok(objects(message.blocks).some((o) => o.type === 'plain_text' && typeof o.text === 'string' && o.text.includes(odd)));
    });
  });

  describe('notices of the keys flow', () => {
    it('are worded in both languages', () => {
      assert.equal(
        fallbackText(notice('warning', 'software.keyNotAvailable', { title: 'SQL Server 2019' }), 'en'),
        'Key not available: the purchase of SQL Server 2019 was cancelled; its keys and links are revoked.',
      );
      assert.match(fallbackText(notice('info', 'software.sentPrivately'), 'en'), /in our personal chat — they are never posted here/);
      assert.match(fallbackText(notice('warning', 'software.noPersonalChat'), 'de'), /persönlichen Chat/);
      assert.equal(fallbackText(notice('info', 'software.slackPrivate'), 'en'), 'Keys are shown only to you.');
      assert.equal(fallbackText(notice('warning', 'software.itemNotFound'), 'en'), "That purchase is not one of this customer's.");
    });
  });
});
