/** `npm run playground` points the Agents Playground at the bot's PORT (it used to be fixed at 3978). */
import { strict as assert } from 'node:assert';
import { localBotUrl, playgroundArgs } from '../../bot/playground.js';
import { loadConfig } from '../../services/config.js';

describe('bot/playground — the local chat client pointed at the bot', () => {
  it('reaches the bot on PORT, on loopback when it listens on every interface, on HOST otherwise', () => {
    assert.equal(localBotUrl(loadConfig({ PORT: '4123' })), 'http://127.0.0.1:4123');
    assert.equal(localBotUrl(loadConfig({ PORT: '4123', HOST: '0.0.0.0' })), 'http://127.0.0.1:4123');
    assert.equal(localBotUrl(loadConfig({ PORT: '4123', HOST: '::' })), 'http://127.0.0.1:4123');
    assert.equal(localBotUrl(loadConfig({ PORT: '4123', HOST: '::1' })), 'http://[::1]:4123');
    assert.equal(localBotUrl(loadConfig({})), 'http://127.0.0.1:3978', 'the default port');
  });

  it('passes the endpoint and its own port to the Playground', () => {
    assert.deepEqual(playgroundArgs('http://127.0.0.1:4123', 56999), ['-e', 'http://127.0.0.1:4123/api/messages', '-c', 'msteams', '-p', '56999', '--disable-telemetry']);
  });
});
