/**
 * Issue 14: at shutdown the bot stops taking requests at once — also on kept-alive connections —
 * and lets those in flight finish, closing their connections (bot/http/drain.ts).
 */
import { strict as assert } from 'node:assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createDrain } from '../../bot/http/drain.js';
import { eventually } from '../jobs/support.js';

describe('bot/http/drain: shutting down without taking new work', () => {
  let server: http.Server;
  let url: string;
  let release: () => void = () => {};
  let started = 0;
  const drain = createDrain();

  before(async () => {
    const app = express();
    app.use(drain.middleware);
    app.get('/slow', async (_req, res) => {
      started += 1;
      await new Promise<void>((resolve) => (release = resolve));
      res.json({ done: true });
    });
    app.get('/fast', (_req, res) => res.json({ ok: true }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function get(path: string, agent: http.Agent): Promise<{ status: number; connection: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      http.get(`${url}${path}`, { agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      }).on('error', reject);
    });
  }

  it('before: requests are served on kept-alive connections; after begin(): the one in flight finishes and closes its connection, a new one gets 503 shutting down', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await get('/fast', agent)).connection, 'keep-alive');
      const inFlight = get('/slow', agent);
      await eventually(() => started === 1, { what: 'the slow request in flight' });
      drain.begin();
      release();
      const finished = await inFlight;
      assert.deepEqual([finished.status, finished.connection], [200, 'close'], 'finished, and its connection closed');
      const turnedAway = await get('/fast', agent);
      assert.deepEqual([turnedAway.status, turnedAway.connection], [503, 'close']);
      assert.match(turnedAway.body, /shutting down/);
    } finally {
      agent.destroy();
    }
  });
});
