/**
 * `npm run playground`: the Agents Playground alone, against a bot already running on this
 * machine — on PORT (default 3978), as `npm start` and `npm run start:bot` listen — and
 * served on PLAYGROUND_PORT (default 56150).
 */
import { localBotUrl, startPlayground } from '../bot/playground.js';
import { loadConfig } from '../services/config.js';

const config = loadConfig();
const botUrl = localBotUrl(config);
console.log(`Agents Playground on http://localhost:${config.playgroundPort}, talking to the bot at ${botUrl}/api/messages (PORT=${config.http.port})`);
const child = startPlayground(botUrl, config.playgroundPort, (code) => process.exit(code ?? 0), 'inherit');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
