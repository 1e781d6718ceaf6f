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

  it('after begin(): a request on an idle kept-alive connection gets 503 shutting down; the one in flight finishes and closes its connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const sockets = new Set<unknown>();
    agent.on('free', (socket) => sockets.add(socket));
    try {
      // Two connections: one busy with the slow request, one kept alive and idle.
      const inFlight = get('/slow', agent);
      await eventually(() => started === 1, { what: 'the slow request in flight' });
      assert.equal((await get('/fast', agent)).connection, 'keep-alive');
      assert.equal(sockets.size, 1, 'one idle kept-alive connection');
      drain.begin();
      const turnedAway = await get('/fast', agent);
      assert.deepEqual([turnedAway.status, turnedAway.connection], [503, 'close'], 'refused on the kept-alive connection');
      assert.match(turnedAway.body, /shutting down/);
      assert.equal(sockets.size, 1, 'no new connection was opened for it');
      release();
      const finished = await inFlight;
      assert.deepEqual([finished.status, finished.connection], [200, 'close'], 'finished, and its connection closed');
    } finally {
      agent.destroy();
    }
  });
});
