import { strict as assert } from 'node:assert';
import { COMMANDS } from '../../dialogs/commands.js';
import { de } from '../../cards/i18n/de.js';
import { en } from '../../cards/i18n/en.js';
import { isMessageKey, messageKeys, resolveLocale, roleName, t, template, LOCALES } from '../../cards/i18n/index.js';
import { ROLES } from '../../services/access/roles.js';
import { notice } from '../../cards/index.js';
import { noticeMessage, taskName } from '../../cards/notice.text.js';

const placeholders = (text: string): string[] => [...text.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!).sort();

describe('cards/i18n', () => {
  it('resolves locales from Teams and Slack forms', () => {
    for (const raw of ['de', 'de-DE', 'DE_at', 'de-CH', ' de ']) assert.equal(resolveLocale(raw), 'de', raw);
    for (const raw of ['en', 'en-US', 'fr-FR', 'deu', '', undefined, null]) assert.equal(resolveLocale(raw), 'en', String(raw));
  });

  it('the catalogs have identical key sets', () => {
    assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
  });

  it('every placeholder of the English text is in the German text, and no other', () => {
    for (const key of messageKeys()) {
      assert.deepEqual(placeholders(template('de', key)), placeholders(template('en', key)), key);
    }
  });

  it('no German text is left in English (except names that are the same in both)', () => {
    // The language buttons name each language in itself ("English", "Deutsch") in both catalogs.
    const same = new Set(['whoami.name', 'whoami.partner', 'channel.msteams', 'channel.slack', 'buy.label.sku', 'support.label.optional', 'action.language.en', 'action.language.de']);
    for (const key of messageKeys()) {
      if (same.has(key)) continue;
      assert.notEqual(template('de', key), template('en', key), key);
    }
  });

  it('replaces placeholders and leaves a missing one visible', () => {
    assert.match(t('en', 'notice.comingSoon', { command: 'buy' }), /^“buy” is coming soon: it is not available yet/);
    assert.match(t('de', 'notice.comingSoon', { command: 'buy' }), /^„buy“ kommt bald: /);
    assert.match(t('en', 'notice.comingSoon'), /\{command\}/);
  });

  it('has a description (≤ 128 chars, Teams\' limit) for every command in every locale', () => {
    for (const c of COMMANDS) {
      const key = c.descriptionKey;
      assert.ok(isMessageKey(key), `${key} is not in the catalog`);
      for (const locale of LOCALES) {
        const text = t(locale, key);
        assert.ok(text.length > 0 && text.length <= 128, `${locale} ${c.descriptionKey}: ${text.length} chars`);
      }
    }
  });

  it('has a display name for every role', () => {
    for (const role of ROLES) {
      assert.notEqual(roleName('en', role), `role.${role}`);
      assert.ok(isMessageKey(`role.${role}`), role);
    }
    assert.equal(roleName('en', 'admin_agent'), 'Admin agent');
    assert.equal(roleName('de', 'admin_agent'), 'Administrator-Agent');
  });

  it('names every flow\'s task in the reader\'s words in a notice ({task}), never by its English command word', () => {
    const flows = COMMANDS.filter((c) => !['help', 'whoami', 'language'].includes(c.name)).map((c) => c.name);
    for (const command of flows) {
      for (const locale of LOCALES) assert.ok(isMessageKey(`task.${command}`) && taskName(locale, command) !== command, `${locale}: task.${command}`);
    }
    const record = { ...notice('info', 'record.continuesBelow'), task: 'buy' };
    assert.equal(noticeMessage(record, 'en'), 'This purchase continues below.');
    assert.equal(noticeMessage(record, 'de'), 'Kauf: geht unten weiter.');
  });
});
