/**
 * The channel side of support requests (bot/support-channel.ts): the contact a support form
 * starts with, and the files a user sent — read from Microsoft's and Slack's hosts only, never
 * more than the limit, and a file that cannot be had is reported, not a crashed turn. Against
 * the fake Bot Connector, the fake Slack Web API (and its file server) and a local file host.
 */
import { strict as assert } from 'node:assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import sinon from 'sinon';
import { WebClient } from '@slack/web-api';
import { BotAdapter, TurnContext, type Activity, type Attachment } from 'botbuilder';
import type { ViewStateValue } from '@slack/bolt';
import { createSupportChannel, UnreadableFileError, type SupportChannelOptions } from '../../bot/support-channel.js';
import { FileTooLargeError, type SupportChannel } from '../../dialogs/support-channel.js';
import { createTeamsAdapter } from '../../bot/teams/adapter.js';
import { SlackAdapter, type SlackInbound } from '../../bot/slack/adapter.js';
import { inputValue } from '../../bot/slack/listeners/views/view-submission.js';
import { createLogger } from '../../services/logger.js';
import { connectorReplies, startFakeBotConnector, type FakeBotConnector } from '../fakes/bot-connector.js';
import { FAKE_SLACK_BOT_TOKEN, slackReplies, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { createMessageActivity } from '../support/factories.js';

const silent = createLogger({ level: 'silent' });
const DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

/** A local stand-in for SharePoint / the Emulator's attachment store, recording what it was asked. */
interface FileHost {
  url: string;
  requests: { path: string; authorization: string | undefined }[];
  /** Resolves when the client of an /endless download hung up. */
  endlessClosed: Promise<number>;
  close(): Promise<void>;
}

async function startFileHost(): Promise<FileHost> {
  const requests: FileHost['requests'] = [];
  let onEndlessClosed: (bytes: number) => void = () => undefined;
  const endlessClosed = new Promise<number>((resolve) => {
    onEndlessClosed = resolve;
  });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, authorization: req.headers.authorization });
    if (path === '/doc.txt') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '13' }).end('hello support');
    } else if (path === '/declared-big') {
      // Says 10 MB, sends 1 KB and then nothing: only the declared length tells.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '10000000' });
      res.write(Buffer.alloc(1_024, 1));
    } else if (path === '/endless') {
      // No length, and no end: only a reader that stops can finish this download.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(16_384, 7);
      let sent = 0;
      const pump = () => {
        while (!res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      res.on('close', () => onEndlessClosed(sent));
      pump();
    } else if (path === '/redirect-elsewhere') {
      const port = (server.address() as AddressInfo).port;
      // Same server, another origin (localhost is not 127.0.0.1): a redirect to another host.
      res.writeHead(302, { location: `http://localhost:${port}/doc.txt` }).end();
    } else if (path === '/redirect-here') {
      res.writeHead(302, { location: '/doc.txt' }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    endlessClosed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function channelWith(opts: Partial<SupportChannelOptions> = {}): SupportChannel {
  return createSupportChannel({ allowLoopback: true, logger: silent, ...opts });
}

describe('bot/support-channel (createSupportChannel)', () => {
  let connector: FakeBotConnector;
  let slackApi: FakeSlackApi;
  let host: FileHost;
  const sandbox = sinon.createSandbox();
  const teamsAdapter = createTeamsAdapter({ appId: undefined, appPassword: undefined, appType: 'MultiTenant', appTenantId: undefined }, silent);

  before(async () => {
    [connector, slackApi, host] = await Promise.all([startFakeBotConnector(), startFakeSlackApi(), startFileHost()]);
  });
  after(async () => {
    await Promise.all([connector.close(), slackApi.close(), host.close()]);
  });
  afterEach(() => {
    connector.reset();
    slackApi.reset();
    host.requests.length = 0;
    sandbox.restore();
  });

  /** A Teams personal-chat turn (through the CloudAdapter, emulator mode, against the fake connector) running `logic`. */
  async function teamsTurn<T>(logic: (ctx: TurnContext) => Promise<T>, activity: Partial<Activity> = {}): Promise<T> {
    const aadObjectId = randomUUID();
    const base = createMessageActivity({ tenantId: 'tenant-1', aadObjectId, name: 'Ada from the activity', serviceUrl: connector.url, expectReplies: false });
    let result: { value: T } | undefined;
    await teamsAdapter.runTurn('', { ...base, text: 'support', ...activity } as unknown as Activity, async (ctx) => {
      result = { value: await logic(ctx) };
    });
    assert.ok(result, 'the turn ran');
    return result.value;
  }

  /** A Slack modal submission turn (through the SlackAdapter, against the fake Web API) running `logic`. */
  async function slackTurn<T>(logic: (ctx: TurnContext) => Promise<T>, inbound: Partial<SlackInbound> = {}): Promise<T> {
    const adapter = new SlackAdapter(new WebClient(FAKE_SLACK_BOT_TOKEN, { slackApiUrl: slackApi.apiUrl, retryConfig: { retries: 0 } }), silent);
    let result: { value: T } | undefined;
    await adapter.processInbound(
      { kind: 'view', teamId: 'T0TEST', channelId: undefined, userId: 'U0GRACE', userName: 'grace', value: {}, requestKey: `view|${randomUUID()}`, ...inbound },
      async (ctx) => {
        result = { value: await logic(ctx) };
      },
    );
    assert.ok(result, 'the turn ran');
    return result.value;
  }

  const downloadInfo = (name: string, downloadUrl: string): Attachment => ({
    contentType: DOWNLOAD_INFO,
    contentUrl: 'https://contoso.sharepoint.com/personal/ada_contoso_com/Documents/Microsoft%20Teams%20Chat%20Files/' + name,
    name,
    content: { downloadUrl, uniqueId: '1150D938-8870-4044-9F2C-5BBDEBA70C9D', fileType: name.split('.').pop(), etag: '123' },
  });

  describe('Teams contact', () => {
    it('comes from the member info (TeamsInfo.getMember): name and email, no phone', async () => {
      const contact = await teamsTurn(async (ctx) => {
        connector.setMember({ id: ctx.activity.from.id, name: 'Ada Lovelace', aadObjectId: ctx.activity.from.aadObjectId!, email: 'ada@contoso.com', userPrincipalName: 'ada@contoso.onmicrosoft.com', givenName: 'Ada', surname: 'Lovelace' });
        return channelWith().contactOf(ctx);
      });
      assert.deepEqual(contact, { name: 'Ada Lovelace', email: 'ada@contoso.com', phone: '' });
      const asked = connector.requests.filter((r) => r.method === 'GET' && r.memberId !== undefined);
      assert.equal(asked.length, 1);
      assert.match(asked[0]!.memberId!, /^29:/);
    });

    it('takes the UPN when there is no email, but not a guest UPN', async () => {
      const upn = await teamsTurn(async (ctx) => {
        connector.setMember({ id: ctx.activity.from.id, name: 'Ada Lovelace', userPrincipalName: 'ada@contoso.com' });
        return channelWith().contactOf(ctx);
      });
      assert.equal(upn.email, 'ada@contoso.com');
      const guest = await teamsTurn(async (ctx) => {
        connector.setMember({ id: ctx.activity.from.id, name: 'Guest', userPrincipalName: 'guest_gmail.com#EXT#@contoso.onmicrosoft.com' });
        return channelWith().contactOf(ctx);
      });
      assert.deepEqual(guest, { name: 'Guest', email: '', phone: '' });
    });

    // A 500 is retried by the connector client with back-off: the lookup's bound (shortened here) ends it.
    for (const [what, reply, lookupTimeoutMs] of [
      ['404 (the Emulator knows no such member)', connectorReplies.notFound(), 3_000],
      ['500, again and again', connectorReplies.status(500, { error: { code: 'ServiceError', message: 'boom' } }), 300],
    ] as const) {
      it(`falls back to the activity's name when the connector answers ${what}`, async () => {
        connector.script((req) => (req.memberId !== undefined ? reply : undefined));
        const contact = await teamsTurn((ctx) => channelWith({ lookupTimeoutMs }).contactOf(ctx), { channelId: 'emulator' });
        assert.deepEqual(contact, { name: 'Ada from the activity', email: '', phone: '' });
        assert.ok(connector.requests.some((r) => r.memberId !== undefined), 'member info was asked for');
      });
    }

    it('falls back when there is no connector at all (a turn outside the CloudAdapter)', async () => {
      const ctx = new TurnContext(new BareAdapter(), { type: 'message', channelId: 'emulator', from: { id: 'u1', name: 'Local User' }, conversation: { id: 'c1' } } as Partial<Activity>);
      assert.deepEqual(await channelWith().contactOf(ctx), { name: 'Local User', email: '', phone: '' });
    });
  });

  describe('Slack contact', () => {
    it('comes from users.info: real name, email and phone', async () => {
      slackApi.setUser('U0GRACE', { realName: 'Grace Hopper', displayName: 'grace', email: 'grace@contoso.com', phone: '+49 30 1234567' });
      const contact = await slackTurn((ctx) => channelWith().contactOf(ctx));
      assert.deepEqual(contact, { name: 'Grace Hopper', email: 'grace@contoso.com', phone: '+49 30 1234567' });
    });

    it('is the request’s name and blanks when users.info fails', async () => {
      slackApi.script((call) => (call.method === 'users.info' ? slackReplies.error('user_not_found') : undefined));
      const contact = await slackTurn((ctx) => channelWith().contactOf(ctx), { userId: 'U0NOBODY', userName: 'nobody' });
      assert.deepEqual(contact, { name: 'nobody', email: '', phone: '' });
    });
  });

  describe('Teams files', () => {
    it('reads a personal chat file (file.download.info) within the limit, sending no credentials', async () => {
      const { files, bytes } = await teamsTurn(async (ctx) => {
        const files = await channelWith().filesOf(ctx);
        return { files, bytes: await files[0]!.read(1_000) };
      }, { attachments: [downloadInfo('install-log.txt', `${host.url}/doc.txt?tempauth=secret`)] });
      assert.deepEqual(files.map((f) => [f.name, f.contentType, f.sizeBytes]), [['install-log.txt', null, null]]);
      assert.equal(bytes.toString(), 'hello support');
      assert.deepEqual(host.requests, [{ path: '/doc.txt', authorization: undefined }]);
    });

    it('a file larger than the limit is FileTooLargeError, and the download stops', async () => {
      const attachments = [downloadInfo('huge.zip', `${host.url}/endless`), downloadInfo('big.bin', `${host.url}/declared-big`), downloadInfo('doc.txt', `${host.url}/doc.txt`)];
      // A short download bound: a reader that waited for the rest of big.bin would time out (UnreadableFileError).
      const files = await teamsTurn((ctx) => channelWith({ downloadTimeoutMs: 2_000 }).filesOf(ctx), { attachments });
      await assert.rejects(files[0]!.read(100_000), (e: unknown) => e instanceof FileTooLargeError && e.maxBytes === 100_000);
      // The file never ends: the server only stops when the reader hangs up.
      const sent = await host.endlessClosed;
      assert.ok(sent > 100_000, `the server had sent ${sent} bytes`);
      // A declared length over the limit is refused without waiting for the body.
      await assert.rejects(files[1]!.read(1_000_000), FileTooLargeError);
      // The limit itself is allowed (13 bytes), one byte less is not.
      assert.equal((await files[2]!.read(13)).toString(), 'hello support');
      await assert.rejects(files[2]!.read(12), FileTooLargeError);
    });

    it('does not fetch from a host outside the allow-list (loopback without allowLoopback)', async () => {
      const files = await teamsTurn((ctx) => channelWith({ allowLoopback: false }).filesOf(ctx), { attachments: [downloadInfo('doc.txt', `${host.url}/doc.txt`)] });
      assert.equal(files.length, 1, 'the file is reported');
      await assert.rejects(files[0]!.read(1_000), (e: unknown) => e instanceof UnreadableFileError && /not fetched from 127\.0\.0\.1/.test(e.message));
      assert.deepEqual(host.requests, [], 'the host saw no request');
    });

    it('fetches only https from Microsoft hosts', async () => {
      const fetchStub = sandbox.stub().callsFake(() => Promise.resolve(new Response('ok')));
      const channel = channelWith({ allowLoopback: false, fetch: fetchStub as unknown as typeof fetch });
      const urls = {
        'https://contoso-my.sharepoint.com/personal/ada/_layouts/15/download.aspx?UniqueId=1&tempauth=x': true,
        'https://smba.trafficmanager.net/emea/v3/attachments/1/views/original': true,
        'https://contoso.sharepoint.com.evil.example/x': false,
        'https://evilsharepoint.com/x': false,
        'https://sharepoint.com@evil.example/x': false,
        'http://contoso.sharepoint.com/x': false,
        'https://contoso.sharepoint.com:8443/x': false,
        'http://169.254.169.254/latest/meta-data': false,
        'file:///etc/passwd': false,
      };
      const files = await teamsTurn((ctx) => channel.filesOf(ctx), { attachments: Object.keys(urls).map((u, i) => downloadInfo(`f${i}.txt`, u)) });
      const fetched: string[] = [];
      for (const [i, [url, allowed]] of Object.entries(urls).entries()) {
        const before = fetchStub.callCount;
        const result = await files[i]!.read(100).then(() => 'read', (e: unknown) => (e instanceof UnreadableFileError ? 'refused' : String(e)));
        assert.equal(result, allowed ? 'read' : 'refused', url);
        if (fetchStub.callCount > before) fetched.push(url);
      }
      assert.deepEqual(fetched, Object.keys(urls).filter((u) => urls[u as keyof typeof urls]));
    });

    it('follows a redirect on the same host, never to another one', async () => {
      const files = await teamsTurn((ctx) => channelWith().filesOf(ctx), {
        attachments: [downloadInfo('a.txt', `${host.url}/redirect-here`), downloadInfo('b.txt', `${host.url}/redirect-elsewhere`)],
      });
      assert.equal((await files[0]!.read(100)).toString(), 'hello support');
      host.requests.length = 0;
      await assert.rejects(files[1]!.read(100), /redirected the download to another host/);
      assert.deepEqual(host.requests.map((r) => r.path), ['/redirect-elsewhere'], 'the redirect target was not fetched');
    });

    it('takes uploads with a contentUrl (Emulator, Playground, pasted images) but never cards or the message’s HTML', async () => {
      const attachments: Attachment[] = [
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5', body: [] } },
        { contentType: 'application/vnd.microsoft.card.hero', content: { title: 'Hero' } },
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: `${host.url}/doc.txt` },
        { contentType: 'application/vnd.microsoft.teams.card.file.info', contentUrl: `${host.url}/doc.txt`, name: 'shared.txt', content: { uniqueId: 'x', fileType: 'txt' } },
        { contentType: 'text/html', content: '<p>see attached</p>' },
        { contentType: 'image/png', contentUrl: `${host.url}/doc.txt`, name: 'screenshot.png' },
        { contentType: 'image/*', contentUrl: `${host.url}/doc.txt` },
        { contentType: 'application/pdf', contentUrl: 'data:application/pdf;base64,JVBERi0=', name: 'inline.pdf' },
      ];
      const files = await teamsTurn((ctx) => channelWith().filesOf(ctx), { attachments });
      assert.deepEqual(files.map((f) => [f.name, f.contentType]), [['screenshot.png', 'image/png'], ['attachment-7.png', null]]);
      assert.equal((await files[0]!.read(100)).toString(), 'hello support');
    });

    it('an inline image on the connector gets the connector’s token; other hosts get none', async () => {
      const fetchStub = sandbox.stub().callsFake(() => Promise.resolve(new Response('png')));
      const adapter = new BareAdapter();
      const ctx = new TurnContext(adapter, {
        type: 'message',
        channelId: 'msteams',
        serviceUrl: 'https://smba.trafficmanager.net/emea/',
        from: { id: '29:ada', name: 'Ada' },
        conversation: { id: 'a:1' },
        attachments: [
          { contentType: 'image/*', contentUrl: 'https://smba.trafficmanager.net/emea/v3/attachments/0-abc/views/original' },
          { contentType: 'image/png', contentUrl: 'https://contoso.sharepoint.com/shot.png', name: 'shot.png' },
        ],
      } as Partial<Activity>);
      ctx.turnState.set(adapter.ConnectorClientKey, {
        credentials: { signRequest: (r: { headers: { set(n: string, v: string): void } }) => Promise.resolve(r.headers.set('authorization', 'Bearer connector-token')) },
      });
      const files = await channelWith({ fetch: fetchStub as unknown as typeof fetch }).filesOf(ctx);
      await files[0]!.read(100);
      await files[1]!.read(100);
      const headersOf = (i: number) => (fetchStub.getCall(i).args[1] as RequestInit).headers as Record<string, string>;
      assert.equal(headersOf(0).authorization, 'Bearer connector-token');
      assert.equal(headersOf(1).authorization, undefined);
    });
  });

  describe('Slack files', () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

    it('are looked up with files.info and downloaded with the bot token', async () => {
      slackApi.addFile({ id: 'F0SCREEN01', name: 'screen.png', mimetype: 'image/png', user: 'U0GRACE', content: png });
      const { files, bytes } = await slackTurn(async (ctx) => {
        const files = await channelWith({ slack: { botToken: FAKE_SLACK_BOT_TOKEN, apiUrl: slackApi.apiUrl } }).filesOf(ctx);
        return { files, bytes: await files[0]!.read(1_000) };
      }, { value: { action: 'support', files: 'F0SCREEN01' } });
      assert.deepEqual(files.map((f) => [f.name, f.contentType, f.sizeBytes]), [['screen.png', 'image/png', png.length]]);
      assert.deepEqual(bytes, png);
      assert.deepEqual(slackApi.callsTo('files.info').map((c) => c.params.file), ['F0SCREEN01']);
      assert.equal(slackApi.downloads.length, 1);
      assert.equal(slackApi.downloads[0]!.authorization, `Bearer ${FAKE_SLACK_BOT_TOKEN}`);
      assert.match(slackApi.downloads[0]!.path, /\/download\//, 'url_private_download');
    });

    it('ignores ids of a forged shape and takes at most 10', async () => {
      const ids = Array.from({ length: 12 }, (_, i) => `F0FILE${String(i).padStart(4, '0')}`);
      for (const id of ids) slackApi.addFile({ id, name: `${id}.txt`, mimetype: 'text/plain', user: 'U0GRACE', content: 'x' });
      const forged = ['../../etc/passwd', 'f0lower', 'U0GRACE', 'F0 SPACE', 'F' + 'A'.repeat(40), `${ids[0]}&token=x`];
      const files = await slackTurn((ctx) => channelWith({ slack: { botToken: FAKE_SLACK_BOT_TOKEN, apiUrl: slackApi.apiUrl } }).filesOf(ctx), {
        value: { files: [...forged, ...ids, ids[0]].join(',') },
      });
      assert.deepEqual(files.map((f) => f.name), ids.slice(0, 10).map((id) => `${id}.txt`));
      assert.deepEqual(slackApi.callsTo('files.info').map((c) => c.params.file).sort(), ids.slice(0, 10));
    });

    it('a files.info error makes the file unreadable, not the turn fail', async () => {
      slackApi.addFile({ id: 'F0GOOD0001', name: 'good.txt', mimetype: 'text/plain', user: 'U0GRACE', content: 'fine' });
      const { files, results } = await slackTurn(async (ctx) => {
        const files = await channelWith({ slack: { botToken: FAKE_SLACK_BOT_TOKEN, apiUrl: slackApi.apiUrl } }).filesOf(ctx);
        const results = await Promise.allSettled(files.map((f) => f.read(1_000)));
        return { files, results };
      }, { value: { files: 'F0GONE0001,F0GOOD0001' } });
      assert.equal(files.length, 2);
      assert.equal(results[0]!.status, 'rejected');
      assert.match(String((results[0] as PromiseRejectedResult).reason), /file_not_found/);
      assert.deepEqual(results[1], { status: 'fulfilled', value: Buffer.from('fine') });
      assert.deepEqual(slackApi.downloads.map((d) => d.fileId), ['F0GOOD0001'], 'only the good file was downloaded');
    });

    it('a file over the limit stops downloading at the limit', async () => {
      slackApi.addFile({ id: 'F0BIG00001', name: 'dump.bin', mimetype: 'application/octet-stream', user: 'U0GRACE', content: Buffer.alloc(32 * 1024 * 1024, 1), size: 10, chunked: true });
      const file = await slackTurn(async (ctx) => (await channelWith({ slack: { botToken: FAKE_SLACK_BOT_TOKEN, apiUrl: slackApi.apiUrl } }).filesOf(ctx))[0]!, {
        value: { files: 'F0BIG00001' },
      });
      assert.equal(file.sizeBytes, 10, 'as files.info says');
      await assert.rejects(file.read(64 * 1024), FileTooLargeError);
      await slackApi.downloads[0]!.ended;
      assert.equal(slackApi.downloads[0]!.completed, false, 'the reader hung up before the end');
    });

    it('a file another user uploaded is not downloaded', async () => {
      slackApi.addFile({ id: 'F0THEIRS01', name: 'payroll.xlsx', mimetype: 'application/vnd.ms-excel', user: 'U0SOMEONE', content: 'secret' });
      const file = await slackTurn(async (ctx) => (await channelWith({ slack: { botToken: FAKE_SLACK_BOT_TOKEN, apiUrl: slackApi.apiUrl } }).filesOf(ctx))[0]!, {
        value: { files: 'F0THEIRS01' },
      });
      await assert.rejects(file.read(1_000), /not uploaded by this user/);
      assert.deepEqual(slackApi.downloads, []);
    });

    it('is downloaded from files.slack.com only: the token goes nowhere else', async () => {
      const urls: Record<string, boolean> = {
        'https://files.slack.com/files-pri/T0TEST-F0URL00000/download/a.txt': true,
        'https://files.slack.com.evil.example/files-pri/T0TEST-F0URL00001/a.txt': false,
        'https://evil.example/files-pri/T0TEST-F0URL00002/a.txt': false,
        'http://files.slack.com/files-pri/T0TEST-F0URL00003/a.txt': false,
        [`${host.url}/doc.txt`]: false,
      };
      const byId = new Map(Object.keys(urls).map((u, i) => [`F0URL${String(i).padStart(5, '0')}`, u]));
      slackApi.script((call) => {
        const url = byId.get(String(call.params.file));
        return call.method === 'files.info' && url ? slackReplies.ok({ file: { id: call.params.file, name: 'a.txt', mimetype: 'text/plain', user: 'U0GRACE', size: 2, url_private_download: url } }) : undefined;
      });
      const fetchStub = sandbox.stub().callsFake(() => Promise.resolve(new Response('ok')));
      const channel = channelWith({ allowLoopback: false, fetch: fetchStub as unknown as typeof fetch, slack: { botToken: FAKE_SLACK_BOT_TOKEN, apiUrl: slackApi.apiUrl } });
      const files = await slackTurn((ctx) => channel.filesOf(ctx), { value: { files: [...byId.keys()].join(',') } });
      const results = await Promise.all(files.map((f) => f.read(100).then(() => 'read', (e: unknown) => (e instanceof UnreadableFileError ? 'refused' : String(e)))));
      assert.deepEqual(results, Object.values(urls).map((ok) => (ok ? 'read' : 'refused')));
      assert.deepEqual(fetchStub.getCalls().map((c) => String(c.args[0])), ['https://files.slack.com/files-pri/T0TEST-F0URL00000/download/a.txt']);
      assert.equal(((fetchStub.getCall(0).args[1] as RequestInit).headers as Record<string, string>).authorization, `Bearer ${FAKE_SLACK_BOT_TOKEN}`);
      assert.deepEqual(host.requests, [], 'the loopback host saw nothing');
    });

    it('without a Slack token on the bot, the files are reported unreadable', async () => {
      const files = await slackTurn((ctx) => channelWith().filesOf(ctx), { value: { files: 'F0SCREEN01' } });
      assert.equal(files.length, 1);
      await assert.rejects(files[0]!.read(100), /not configured/);
    });
  });

  it('a turn without files has none, on either channel', async () => {
    const channel = channelWith({ slack: { botToken: FAKE_SLACK_BOT_TOKEN, apiUrl: slackApi.apiUrl } });
    assert.deepEqual(await teamsTurn((ctx) => channel.filesOf(ctx)), []);
    assert.deepEqual(await slackTurn((ctx) => channel.filesOf(ctx), { value: { action: 'support', files: '' } }), []);
    assert.deepEqual(await slackTurn((ctx) => channel.filesOf(ctx), { value: undefined }), []);
  });
});

describe('bot/slack/listeners/views/view-submission inputValue (file input)', () => {
  const fileInput = (ids: string[]): ViewStateValue => ({ type: 'file_input', files: ids.map((id) => ({ id, name: `${id}.png`, mimetype: 'image/png' })) }) as unknown as ViewStateValue;

  it('gives the uploaded files’ ids joined by commas', () => {
    assert.equal(inputValue(fileInput(['F0AAA1', 'F0BBB2'])), 'F0AAA1,F0BBB2');
  });

  it('gives null when no file was uploaded (the field is left out)', () => {
    assert.equal(inputValue(fileInput([])), null);
  });
});

/** A BotAdapter for a TurnContext built by hand (no connector client unless a test puts one in). */
class BareAdapter extends BotAdapter {
  sendActivities(): Promise<never[]> {
    return Promise.resolve([]);
  }
  updateActivity(): Promise<void> {
    return Promise.resolve();
  }
  deleteActivity(): Promise<void> {
    return Promise.resolve();
  }
  continueConversation(): Promise<void> {
    return Promise.resolve();
  }
}
