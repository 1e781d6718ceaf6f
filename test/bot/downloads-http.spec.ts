import net from 'node:net';
import { strict as assert } from 'node:assert';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import http, { type Server } from 'node:http';
import express from 'express';
import { Redis } from 'ioredis';
import sinon from 'sinon';
import { createDownloadLimiter, createDownloadRouter, attachmentHeader, type DownloadDeps, type LinkBudget } from '../../bot/http/downloads.js';
import { createLogger } from '../../services/logger.js';
import { EmbeddedArtifactStore, SignedUrlArtifactStore, type ArtifactFile, type ArtifactStore } from '../../services/software/artifacts.js';
import type { DownloadClient, Redemption } from '../../services/software/types.js';
import { TEST_QUEUE_PREFIX, TEST_REDIS_URL } from '../setup.js';

const newToken = (): string => randomBytes(32).toString('base64url');

const FILE: ArtifactFile = {
  productId: 'DG7GMGF0D5RK',
  version: 'Windows Server 2025',
  language: 'English',
  fileType: 'ISO',
  fileName: 'SW_DVD9_Win_Server_STD_2025_64Bit_English.iso',
};
const EXPIRES_AT = new Date('2030-03-15T12:00:00Z');

function ok(file: ArtifactFile = FILE): Redemption {
  return { status: 'ok', linkId: '7', downloadNumber: 1, maxDownloads: 50, expiresAt: EXPIRES_AT, file };
}
const EXPIRED: Redemption = { status: 'expired', linkId: '7', expiresAt: EXPIRES_AT, maxDownloads: 50 };
const USED_UP: Redemption = { status: 'used_up', linkId: '7', expiresAt: EXPIRES_AT, maxDownloads: 50 };
const REVOKED_CANCELLED: Redemption = { status: 'revoked', linkId: '7', expiresAt: EXPIRES_AT, maxDownloads: 50, reason: 'cancelled' };
const REVOKED_ADMIN: Redemption = { status: 'revoked', linkId: '7', expiresAt: EXPIRES_AT, maxDownloads: 50, reason: 'admin' };
const REVOKED_UNDELIVERED: Redemption = { status: 'revoked', linkId: '7', expiresAt: EXPIRES_AT, maxDownloads: 50, reason: 'undelivered' };
const UNKNOWN: Redemption = { status: 'unknown' };

function assertSecurityHeaders(res: Response): void {
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('x-robots-tag'), 'noindex');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
}

function assertHtmlPage(res: Response): void {
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
}

describe('bot/http/downloads', () => {
  const sandbox = sinon.createSandbox();
  let server: Server;
  let base: string;
  let logLines: string[];
  let redeem: sinon.SinonStub<[string, DownloadClient], Promise<Redemption>>;
  let inspect: sinon.SinonStub<[string], Promise<Redemption>>;
  const deps: DownloadDeps = {
    redeem: (token, client) => redeem(token, client),
    inspect: (token) => inspect(token),
    artifacts: new EmbeddedArtifactStore(),
    logger: createLogger({ level: 'debug' }, { write: (line: string) => logLines.push(line) }),
    limiter: createDownloadLimiter({ perMinute: 100_000 }),
  };

  before(async () => {
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(createDownloadRouter(deps));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    logLines = [];
    redeem = sandbox.stub<[string, DownloadClient], Promise<Redemption>>().resolves(ok());
    inspect = sandbox.stub<[string], Promise<Redemption>>().resolves(ok());
    deps.artifacts = new EmbeddedArtifactStore();
  });
  afterEach(() => sandbox.restore());

  /** A download server of its own ("a bot process") with the given limiter. */
  async function serverWith(limiter: LinkBudget): Promise<{ url: string; close: () => Promise<void> }> {
    const app = express();
    app.use(createDownloadRouter({ ...deps, limiter }));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => listening.once('listening', () => resolve()));
    return {
      url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}/downloads/${newToken()}`,
      close: () => new Promise<void>((resolve) => listening.close(() => resolve())),
    };
  }

  it('with Redis, two bot processes share one budget per client address (keys under their prefix)', async () => {
    const redis = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    const keyPrefix = `${TEST_QUEUE_PREFIX}:downloads:${randomUUID()}`;
    const [a, b] = [await serverWith(createDownloadLimiter({ perMinute: 3, redis, keyPrefix })), await serverWith(createDownloadLimiter({ perMinute: 3, redis, keyPrefix }))];
    try {
      const statuses = [(await fetch(a.url)).status, (await fetch(b.url)).status, (await fetch(a.url)).status, (await fetch(b.url)).status, (await fetch(a.url)).status];
      assert.deepEqual(statuses, [200, 200, 200, 429, 429], 'three for the address in all, whichever process answers');
      assert.ok((await redis.keys(`${keyPrefix}*`)).length > 0, 'the count lives in Redis');
    } finally {
      await Promise.all([a.close(), b.close()]);
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('with Redis unreachable, each process keeps a budget of its own (neither refuses all nor lets all through)', async () => {
    const redis = new Redis('redis://127.0.0.1:9', { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => undefined);
    const down = await serverWith(createDownloadLimiter({ perMinute: 2, redis, keyPrefix: `${TEST_QUEUE_PREFIX}:downloads:down` }));
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(down.url)).status);
      assert.deepEqual(statuses, [200, 200, 429]);
    } finally {
      await down.close();
      redis.disconnect();
    }
  });

  it('while Redis hangs, one download waits for its command timeout, not each of them: the others use the local budget at once (issue 14)', async () => {
    // A Redis that shakes hands and then answers nothing (as one stopped mid-traffic); it counts the commands left hanging.
    let commands = 0;
    const hanging = net.createServer((socket) => socket.on('data', (d) => {
      for (const [, name] of d.toString().matchAll(/^\*\d+\r\n\$\d+\r\n([^\r]+)\r\n/gm)) {
        const command = name!.toLowerCase();
        if (command === 'hello') socket.write('-NOPROTO unsupported protocol version\r\n');
        else if (command === 'client') socket.write('+OK\r\n');
        else if (command === 'info') socket.write('$9\r\nloading:0\r\n');
        else commands += 1;
      }
    }));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    // As the bot connects its rate-limit client (bot/server.ts), with a shorter command timeout.
    const redis = new Redis({ host: '127.0.0.1', port: (hanging.address() as AddressInfo).port, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 300 });
    redis.on('error', () => undefined);
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    const server = await serverWith(createDownloadLimiter({ perMinute: 100, redis, keyPrefix: `${TEST_QUEUE_PREFIX}:downloads:hang` }));
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(server.url)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200], 'served from the local budget');
      assert.ok(commands >= 1, 'the first download asked Redis');
      const asked = commands;
      for (let i = 0; i < 5; i++) await fetch(server.url);
      assert.equal(commands, asked, 'the next downloads did not wait on Redis again');
    } finally {
      await server.close();
      redis.disconnect();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it('answers 429 with Retry-After once a client address used its budget, without looking at the token', async () => {
    const limited = await serverWith(createDownloadLimiter({ perMinute: 3 }));
    try {
      const url = limited.url;
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(url)).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const last = await fetch(url, { method: 'HEAD' });
      assert.equal(last.status, 429);
      assert.ok(Number(last.headers.get('retry-after')) > 0);
      assert.equal(last.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(redeem.callCount, 3, 'refused requests never reach the database');
    } finally {
      await limited.close();
    }
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers, redirect: 'manual' });

  describe('GET', () => {
    it('counts the download and serves an embedded artifact as an attachment', async () => {
      const token = newToken();
      const res = await get(`/downloads/${token}`, { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Edge/130' });
      assert.equal(res.status, 200);
      assertSecurityHeaders(res);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(
        res.headers.get('content-disposition'),
        `attachment; filename="${FILE.fileName}.SIMULATED.txt"; filename*=UTF-8''${FILE.fileName}.SIMULATED.txt`,
      );
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.headers.get('content-length'), String(body.length));
      assert.match(body.toString('utf8'), /^SIMULATED download of DG7GMGF0D5RK Windows Server 2025 English ISO/);

      sinon.assert.calledOnce(redeem);
      sinon.assert.notCalled(inspect);
      const [calledWith, client] = redeem.firstCall.args;
      assert.equal(calledWith, token);
      assert.match(client.ip ?? '', /127\.0\.0\.1$/);
      assert.equal(client.userAgent, 'Mozilla/5.0 (Windows NT 10.0) Edge/130');
    });

    it('passes at most 512 characters of the user agent', async () => {
      await get(`/downloads/${newToken()}`, { 'user-agent': `curl/8 ${'x'.repeat(2000)}` });
      const client = redeem.firstCall.args[1];
      assert.equal(client.userAgent?.length, 512);
      assert.ok(client.userAgent?.startsWith('curl/8 '));
    });

    it('gives a header-safe attachment name for a non-ASCII, quote-bearing file name', async () => {
      redeem.resolves(ok({ ...FILE, fileName: 'Büro "final"\\..\\x.iso' }));
      const res = await get(`/downloads/${newToken()}`);
      assert.equal(res.status, 200);
      const cd = res.headers.get('content-disposition') ?? '';
      assert.equal(cd, `attachment; filename="B_ro _final__.._x.iso.SIMULATED.txt"; filename*=UTF-8''B%C3%BCro%20%22final%22_.._x.iso.SIMULATED.txt`);
    });

    it('redirects to a signed artifact-store URL that verifies and expires after the TTL', async () => {
      const now = new Date('2030-01-01T00:00:00Z');
      deps.artifacts = new SignedUrlArtifactStore({ baseUrl: 'https://cdn.example.test/software/', signingKey: 'k3y', ttlSeconds: 600, now: () => now });
      const token = newToken();
      const res = await get(`/downloads/${token}`);
      assert.equal(res.status, 302);
      assertSecurityHeaders(res);
      const location = new URL(res.headers.get('location') ?? '');
      assert.equal(location.origin, 'https://cdn.example.test');
      assert.equal(location.pathname, `/software/DG7GMGF0D5RK/${FILE.fileName}`);
      const expires = location.searchParams.get('expires');
      assert.equal(expires, String(now.getTime() / 1000 + 600));
      const expected = createHmac('sha256', 'k3y').update(`${location.pathname}\n${expires}`).digest('base64url');
      assert.equal(location.searchParams.get('signature'), expected);
      assert.ok(!location.href.includes(token), 'the artifact store never sees the link token');
      sinon.assert.calledOnce(redeem);
    });

    it('answers 404 for malformed or truncated tokens without asking the service', async () => {
      const token = newToken();
      const bad = [
        token.slice(0, 42), // truncated
        `${token}A`, // too long
        `${token.slice(0, 42)}=`, // padding
        `${token.slice(0, 42)}+`, // base64, not base64url
        `${token.slice(0, 42)}.`,
        `${token.slice(0, 40)}%2F..`,
        'x',
      ];
      for (const t of bad) {
        const res = await get(`/downloads/${t}`);
        assert.equal(res.status, 404, t);
        assertSecurityHeaders(res);
        assertHtmlPage(res);
        assert.match(await res.text(), /This download link is not valid\. Check that you copied the whole link/);
      }
      sinon.assert.notCalled(redeem);
      sinon.assert.notCalled(inspect);
    });

    it('answers 404 for a link cut short at a slash or with extra path', async () => {
      for (const path of ['/downloads', '/downloads/', `/downloads/${newToken()}/extra`, `/downloads/${newToken().slice(0, 20)}/${newToken().slice(20)}`]) {
        const res = await get(path);
        assert.equal(res.status, 404, path);
        assertSecurityHeaders(res);
        assertHtmlPage(res);
        assert.match(await res.text(), /This download link is not valid/);
      }
      sinon.assert.notCalled(redeem);
      sinon.assert.notCalled(inspect);
    });

    it('answers 404 when the service does not know the token', async () => {
      redeem.resolves(UNKNOWN);
      const res = await get(`/downloads/${newToken()}`);
      assert.equal(res.status, 404);
      assertSecurityHeaders(res);
      assertHtmlPage(res);
      assert.match(await res.text(), /This download link is not valid/);
      sinon.assert.calledOnce(redeem);
    });

    const gone: Array<[string, Redemption, RegExp, RegExp, boolean]> = [
      ['expired', EXPIRED, /expired on Mar 15, 2030, \d{1,2}:\d{2}\s?[AP]M UTC\./, /am 15\.03\.2030, \d{2}:\d{2} UTC abgelaufen/, true],
      ['used up', USED_UP, /All 50 downloads of this link have been used/, /Alle 50 Downloads dieses Links wurden verwendet/, true],
      ['revoked by an admin', REVOKED_ADMIN, /revoked by an admin/, /von einem Administrator widerrufen/, true],
      ['withdrawn as undelivered', REVOKED_UNDELIVERED, /withdrawn because the message carrying it could not be delivered/, /zurückgezogen, weil die Nachricht mit dem Link nicht zugestellt werden konnte/, true],
      ['revoked because cancelled', REVOKED_CANCELLED, /revoked because the purchase was cancelled/, /weil der Kauf storniert wurde/, false],
    ];
    for (const [name, verdict, english, german, canAskAgain] of gone) {
      it(`answers 410 for a link ${name}, saying why and what to do`, async () => {
        redeem.resolves(verdict);
        const res = await get(`/downloads/${newToken()}`);
        assert.equal(res.status, 410);
        assertSecurityHeaders(res);
        assertHtmlPage(res);
        const html = await res.text();
        assert.match(html, english);
        assert.match(html, /<html lang="en">/);
        if (canAskAgain) {
          assert.match(html, /ask the person who sent you this link \(your Microsoft partner\) for a new one/);
          assert.doesNotMatch(html, /Admin agent|Get keys and downloads/, 'no jargon of the bot for the customer');
        } else {
          assert.match(html, /No new link can be issued/);
          assert.doesNotMatch(html, /for a new one/);
        }
      });

      it(`answers 410 in German for a link ${name} when the browser prefers German`, async () => {
        redeem.resolves(verdict);
        const res = await get(`/downloads/${newToken()}`, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
        assert.equal(res.status, 410);
        const html = await res.text();
        assert.match(html, german);
        assert.match(html, /<html lang="de">/);
        if (canAskAgain) {
          assert.match(html, /bitten Sie die Person, die Ihnen diesen Link geschickt hat \(Ihren Microsoft-Partner\), um einen neuen/);
        } else {
          assert.match(html, /kann kein neuer Link ausgestellt werden/);
          assert.doesNotMatch(html, /um einen neuen/);
        }
      });
    }

    it('keeps English when the browser prefers English over German', async () => {
      redeem.resolves(USED_UP);
      const html = await (await get(`/downloads/${newToken()}`, { 'accept-language': 'en-US,en;q=0.9,de;q=0.8' })).text();
      assert.match(html, /All 50 downloads/);
    });

    it('answers 500 when the artifact store fails, and never logs the token', async () => {
      const token = newToken();
      deps.artifacts = { open: () => Promise.reject(new Error(`no artifact for link ${token}`)) } satisfies ArtifactStore;
      const errorSpy = sandbox.spy(deps.logger, 'error');
      const res = await get(`/downloads/${token}?ref=${token}`);
      assert.equal(res.status, 500);
      assertSecurityHeaders(res);
      assertHtmlPage(res);
      const html = await res.text();
      assert.match(html, /try again/);
      assert.ok(!html.includes(token));

      sinon.assert.calledOnce(errorSpy);
      const [fields] = errorSpy.firstCall.args as unknown as [{ linkPath: string; err: Error }];
      assert.equal(fields.linkPath, '/downloads/[token]');
      assert.match(fields.err.message, /no artifact for link \[token\]/);
      const logged = logLines.join('');
      assert.match(logged, /"linkPath":"\/downloads\/\[token\]"/);
      assert.match(logged, /no artifact for link/);
      assert.ok(!logged.includes(token), 'the token reached the log');
      assert.ok(!JSON.stringify(errorSpy.firstCall.args).includes(token), 'the token reached logger.error');
    });

    it('answers 500 when redeem throws, and never logs the token', async () => {
      const token = newToken();
      redeem.rejects(new Error(`database down while redeeming ${token}`));
      const res = await get(`/downloads/${token}`);
      assert.equal(res.status, 500);
      assertSecurityHeaders(res);
      const logged = logLines.join('');
      assert.match(logged, /database down while redeeming/);
      assert.ok(!logged.includes(token));
    });
  });

  describe('link-preview bots', () => {
    const bots = [
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com',
      'Mozilla/5.0 Teams link preview',
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      'Twitterbot/1.0',
      'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
      'WhatsApp/2.23.20.0',
    ];
    for (const ua of bots) {
      it(`only looks, never counts, for ${ua.slice(0, 40)}`, async () => {
        const res = await get(`/downloads/${newToken()}`, { 'user-agent': ua });
        assert.equal(res.status, 200);
        assertSecurityHeaders(res);
        assertHtmlPage(res);
        assert.match(await res.text(), /Open this link in a browser to download/);
        assert.equal(res.headers.get('content-disposition'), null);
        sinon.assert.calledOnce(inspect);
        sinon.assert.notCalled(redeem);
      });
    }

    it('shows a preview bot the refusal of a dead link, still without counting', async () => {
      inspect.resolves(EXPIRED);
      const res = await get(`/downloads/${newToken()}`, { 'user-agent': 'Slackbot-LinkExpanding 1.0' });
      assert.equal(res.status, 410);
      assert.match(await res.text(), /expired on/);
      sinon.assert.notCalled(redeem);
    });
  });

  describe('HEAD', () => {
    const cases: Array<[Redemption, number]> = [[ok(), 200], [EXPIRED, 410], [USED_UP, 410], [REVOKED_ADMIN, 410], [REVOKED_CANCELLED, 410], [UNKNOWN, 404]];
    for (const [verdict, status] of cases) {
      it(`inspects without counting and mirrors the GET status (${verdict.status}${'reason' in verdict ? `/${verdict.reason}` : ''} → ${status})`, async () => {
        inspect.resolves(verdict);
        const token = newToken();
        const res = await fetch(`${base}/downloads/${token}`, { method: 'HEAD' });
        assert.equal(res.status, status);
        assertSecurityHeaders(res);
        assert.equal(await res.text(), '');
        sinon.assert.calledOnceWithExactly(inspect, token);
        sinon.assert.notCalled(redeem);
      });
    }

    it('answers 404 for a malformed token without asking the service', async () => {
      const res = await fetch(`${base}/downloads/${newToken().slice(1)}`, { method: 'HEAD' });
      assert.equal(res.status, 404);
      assertSecurityHeaders(res);
      sinon.assert.notCalled(inspect);
      sinon.assert.notCalled(redeem);
    });
  });

  it('a link path spelt otherwise (//downloads/…, /./downloads/…, /%2e/exports/…) is not a link, and its 404 carries the link headers too (issue 14)', async () => {
    const { port } = new URL(base);
    // Raw paths: fetch would normalise them.
    const get = (path: string) => new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path }, (res) => {
        res.resume();
        resolve(res);
      }).on('error', reject);
    });
    for (const path of [`//downloads/${newToken()}`, `/./downloads/${newToken()}`, `/%2e/exports/${newToken()}`, `/x/../DOWNLOADS/${newToken()}`]) {
      const res = await get(path);
      assert.equal(res.statusCode, 404, path);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', path);
      assert.equal(res.headers['cache-control'], 'no-store', path);
    }
    assert.equal(redeem.callCount + inspect.callCount, 0, 'never looked up');
    const other = await get('/healthz');
    assert.equal(other.headers['referrer-policy'], undefined, 'other paths are left alone');
  });

  it('answers 405 with Allow for other methods, without touching the link', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${base}/downloads/${newToken()}`, { method, body: method === 'DELETE' ? undefined : 'x' });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      assertSecurityHeaders(res);
    }
    sinon.assert.notCalled(redeem);
    sinon.assert.notCalled(inspect);
  });

  it('HTML-escapes what it interpolates', async () => {
    // Every page is built from fixed text plus numbers and dates, escaped on the way out:
    // a quote in the fixed text comes out as an entity, never raw inside the markup.
    redeem.resolves(REVOKED_ADMIN);
    const html = await (await get(`/downloads/${newToken()}`)).text();
    assert.doesNotMatch(html, /<p>[^<]*"[^<]*<\/p>/);
  });

  it('builds RFC 6266 attachment headers with an ASCII fallback', () => {
    assert.equal(attachmentHeader('a b.iso'), `attachment; filename="a b.iso"; filename*=UTF-8''a%20b.iso`);
    assert.equal(attachmentHeader('日本語.iso'), `attachment; filename="___.iso"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E.iso`);
    assert.equal(attachmentHeader('x\r\nSet-Cookie: a=b'), `attachment; filename="x_Set-Cookie: a=b"; filename*=UTF-8''x_Set-Cookie%3A%20a%3Db`);
    assert.equal(attachmentHeader(''), `attachment; filename="download"; filename*=UTF-8''download`);
  });
});

describe('services/software/artifacts', () => {
  describe('EmbeddedArtifactStore', () => {
    const store = new EmbeddedArtifactStore();

    it('serves a small, deterministic, clearly simulated artifact per variant', async () => {
      const a = await store.open(FILE);
      const b = await store.open({ ...FILE });
      assert.equal(a.kind, 'inline');
      assert.equal(b.kind, 'inline');
      if (a.kind !== 'inline' || b.kind !== 'inline') return;
      assert.ok(a.body.equals(b.body));
      assert.ok(a.body.length >= 200 && a.body.length <= 2048, `size ${a.body.length}`);
      assert.equal(a.contentType, 'text/plain; charset=utf-8', 'a text file, not an ISO');
      assert.equal(a.fileName, `${FILE.fileName}.SIMULATED.txt`);
      const text = a.body.toString('utf8');
      assert.match(text, /^SIMULATED download of DG7GMGF0D5RK Windows Server 2025 English ISO\n/);
      assert.match(text, /not real installation media/);

      for (const other of [{ ...FILE, language: 'German' }, { ...FILE, version: 'Windows Server 2022' }, { ...FILE, fileType: 'VHD' }]) {
        const c = await store.open(other);
        assert.ok(c.kind === 'inline' && !c.body.equals(a.body), JSON.stringify(other));
      }
    });

    it('names the product by its title when the catalog gives one (issue 13: the id alone said nothing)', async () => {
      const titled = new EmbeddedArtifactStore({ productTitle: (id) => Promise.resolve(id === FILE.productId ? 'Windows Server 2025 Datacenter' : null) });
      const res = await titled.open({ ...FILE, fileName: null });
      assert.ok(res.kind === 'inline');
      if (res.kind !== 'inline') return;
      assert.match(res.body.toString('utf8'), /^SIMULATED download of Windows Server 2025 Datacenter Windows Server 2025 English ISO\n/);
      assert.match(res.body.toString('utf8'), /Product: {3}Windows Server 2025 Datacenter \(DG7GMGF0D5RK\)/);
      assert.match(res.fileName, /^Windows-Server-2025-Datacenter_/);
      const failing = new EmbeddedArtifactStore({ productTitle: () => Promise.reject(new Error('db down')) });
      const fallback = await failing.open(FILE);
      assert.ok(fallback.kind === 'inline' && fallback.body.toString('utf8').startsWith('SIMULATED download of DG7GMGF0D5RK'), 'the id when the title cannot be had');
    });

    it('builds a safe file name from the parts when the variant has none', async () => {
      const hostile: ArtifactFile = { productId: '../../etc/passwd', version: 'Windows Server 2025 (Preview)', language: 'Deutsch – Österreich', fileType: '64-bit "x"', fileName: null };
      const res = await store.open(hostile);
      assert.equal(res.kind, 'inline');
      if (res.kind !== 'inline') return;
      assert.match(res.fileName, /^[A-Za-z0-9._-]+$/);
      assert.ok(!res.fileName.startsWith('.'));
      assert.ok(!res.fileName.includes('..'));
      assert.match(res.fileName, /Windows-Server-2025-Preview/);
      const again = await store.open({ ...hostile });
      assert.equal(again.kind === 'inline' && again.fileName, res.fileName);

      const plain = await store.open({ ...FILE, fileName: null });
      assert.equal(plain.kind === 'inline' && plain.fileName, 'DG7GMGF0D5RK_Windows-Server-2025_English_ISO.SIMULATED.txt');
    });
  });

  describe('SignedUrlArtifactStore', () => {
    const now = new Date('2031-06-01T08:30:00.750Z');
    const nowS = Math.floor(now.getTime() / 1000);

    function verify(url: string, key: string, at: Date): boolean {
      const u = new URL(url);
      const expires = Number(u.searchParams.get('expires'));
      const sig = createHmac('sha256', key).update(`${u.pathname}\n${expires}`).digest('base64url');
      return sig === u.searchParams.get('signature') && at.getTime() / 1000 <= expires;
    }

    it('redirects to baseUrl/product/file with expires and an HMAC signature, valid for 300 s by default', async () => {
      const store = new SignedUrlArtifactStore({ baseUrl: 'https://files.example.test', signingKey: 'secret-1', now: () => now });
      const res = await store.open(FILE);
      assert.equal(res.kind, 'redirect');
      if (res.kind !== 'redirect') return;
      const u = new URL(res.url);
      assert.equal(`${u.origin}${u.pathname}`, `https://files.example.test/DG7GMGF0D5RK/${FILE.fileName}`);
      assert.equal(u.searchParams.get('expires'), String(nowS + 300));
      assert.ok(verify(res.url, 'secret-1', now));
      assert.ok(verify(res.url, 'secret-1', new Date((nowS + 300) * 1000)));
      assert.ok(!verify(res.url, 'secret-1', new Date((nowS + 301) * 1000)), 'valid after the TTL');
      assert.ok(!verify(res.url, 'other-key', now), 'verifies with the wrong key');
      const tampered = res.url.replace('English', 'German');
      assert.ok(!verify(tampered, 'secret-1', now), 'a changed path still verifies');
      const extended = res.url.replace(`expires=${nowS + 300}`, `expires=${nowS + 9999}`);
      assert.ok(!verify(extended, 'secret-1', now), 'a changed expiry still verifies');
    });

    it('honours ttlSeconds and percent-encodes the path parts', async () => {
      const store = new SignedUrlArtifactStore({ baseUrl: 'https://files.example.test/a/b/', signingKey: 'secret-2', ttlSeconds: 60, now: () => now });
      const res = await store.open({ ...FILE, productId: 'P/1 x', fileName: 'Büro #1?.iso' });
      assert.equal(res.kind, 'redirect');
      if (res.kind !== 'redirect') return;
      assert.ok(res.url.startsWith(`https://files.example.test/a/b/P%2F1%20x/B%C3%BCro%20%231%3F.iso?expires=${nowS + 60}&signature=`), res.url);
      assert.ok(verify(res.url, 'secret-2', now));

      const unnamed = await store.open({ ...FILE, fileName: null });
      assert.ok(unnamed.kind === 'redirect' && unnamed.url.includes('/DG7GMGF0D5RK/DG7GMGF0D5RK_Windows-Server-2025_English_ISO.txt?'));
    });

    it('refuses a bad configuration at construction', () => {
      assert.throws(() => new SignedUrlArtifactStore({ baseUrl: 'not a url', signingKey: 'k' }), /baseUrl/);
      assert.throws(() => new SignedUrlArtifactStore({ baseUrl: 'ftp://x.test', signingKey: 'k' }), /http/);
      assert.throws(() => new SignedUrlArtifactStore({ baseUrl: 'https://x.test/?a=1', signingKey: 'k' }), /query/);
      assert.throws(() => new SignedUrlArtifactStore({ baseUrl: 'https://x.test', signingKey: '' }), /signingKey/);
      assert.throws(() => new SignedUrlArtifactStore({ baseUrl: 'https://x.test', signingKey: 'k', ttlSeconds: 0 }), /ttlSeconds/);
    });
  });
});
