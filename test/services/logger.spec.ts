import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { createLogger, logDestination, scrubSecrets, withCorrelation } from '../../services/logger.js';
import { TEST_REDIS_URL } from '../setup.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug' }, sink), lines, text: () => lines.join('') };
}

describe('services/logger', () => {
  it('redacts secret fields by name, at any of the first two levels', () => {
    const { logger, text } = capture();
    logger.info({ password: 'hunter2', token: 'tok-123', activationKey: 'KEY-1', req: { headers: { authorization: 'Bearer abc.def' } }, user: { secret: 's3cr3t', name: 'Alex' } }, 'x');
    const out = text();
    for (const secret of ['hunter2', 'tok-123', 'KEY-1', 'abc.def', 's3cr3t']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    assert.match(out, /Alex/);
  });

  it('scrubs secrets that appear inside messages and values', () => {
    const { logger, text } = capture();
    logger.warn({ url: 'https://desk.example.com/downloads/AbCdEf0123456789_-xyz', conn: 'postgres://csp:pa55word@db:5432/csp' }, 'calling with xoxb-1234-5678-abcdef and Bearer eyJhbGciOi.x.y');
    logger.error(new Error('failed for key ABCDE-FGHIJ-KLMNO-PQRST-UVWXY'), 'oops');
    logger.info({ path: '/DOWNLOADS/UpperCasePathToken_0123' }, 'Express routes paths case-insensitively');
    const out = text();
    for (const secret of ['UpperCasePathToken_0123', 'AbCdEf0123456789_-xyz', 'pa55word', 'xoxb-1234-5678-abcdef', 'eyJhbGciOi', 'ABCDE-FGHIJ-KLMNO-PQRST-UVWXY']) {
      assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    }
    assert.match(out, /\/downloads\/\[REDACTED\]/);
  });

  it('redacts secret fields at any depth and in any case, also inside errors', () => {
    const { logger, text } = capture();
    const err = Object.assign(new Error('request failed'), {
      data: { token: 'tok-deep-1' },
      original: { config: { headers: { Authorization: 'Basic dXNlcjpwYXNz' } } },
    });
    logger.error({ err, cfg: { slack: { signingSecret: 'sig-secret-2' } }, headers: { Authorization: 'Digest abc-3' }, orderId: 'ORD-1' }, 'failed');
    const out = text();
    for (const secret of ['tok-deep-1', 'dXNlcjpwYXNz', 'sig-secret-2', 'abc-3']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    assert.match(out, /ORD-1/);
    assert.match(out, /request failed/);
  });

  it('logs a Redis error\'s command by name only (HELLO 3 AUTH <user> <password>), and a pg error without its client', async () => {
    const { logger, text } = capture();
    // What ioredis throws when the handshake is refused: the command, arguments included.
    const redisErr = Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'hello', args: ['3', 'AUTH', 'desk', 'SuperSecretPw123'] } });
    // What a live Redis with a wrong password really says.
    const { Redis } = await import('ioredis');
    const client = new Redis(TEST_REDIS_URL.replace('redis://', 'redis://nobody:WrongPw-987@'), { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    const real = await new Promise<unknown>((resolve) => {
      client.once('error', resolve);
      client.connect().catch(() => undefined);
    });
    client.disconnect();
    assert.match(JSON.stringify(real), /WrongPw-987/, 'the error event of a refused handshake carries the password');
    const pgErr = Object.assign(new Error('terminating connection due to administrator command'), { client: { connectionParameters: { password: 'pg-pass' }, host: 'db' } });
    logger.warn({ err: redisErr }, 'redis connection error');
    logger.warn({ err: real }, 'redis connection error');
    logger.warn({ err: pgErr }, 'worker error');
    const out = text();
    for (const secret of ['SuperSecretPw123', 'WrongPw-987', 'pg-pass']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    assert.match(out, /"command":\{"name":"hello","args":"\[REDACTED\]"\}/);
    assert.match(out, /"client":"\[pg client\]"/);
  });

  it('scrubs OAuth tokens and client credentials from form bodies, JSON and bare JWTs (Entra ID\'s token endpoint)', () => {
    const { logger, text } = capture();
    const form = 'grant_type=refresh_token&resource=https%3A%2F%2Fapi.partnercenter.microsoft.com&client_id=0b9d7a53&refresh_token=1.AXoAformRt-_42&scope=openid&client_secret=S3cr~etForm.9';
    const assertion = 'client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJlQXNz';
    const json = '{"token_type":"Bearer","expires_in":"3599","access_token":"eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJhIn0.atSig","refresh_token":"1.AXoAjsonRt\\/x"}';
    const nested = JSON.stringify({ body: '{"refresh_token":"1.AXoAnestedRt","id_token":"idTokNested"}' });
    logger.warn({ sent: form }, `token endpoint said ${json}`);
    logger.error(new Error(`failed: ${assertion}`), 'exchange failed');
    logger.info({ answer: nested, clientAssertion: 'bare-assertion-value' }, 'answer');
    logger.info(`header eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ0In0.bareJwtSignature seen`);
    const out = text();
    for (const secret of ['1.AXoAformRt-_42', 'S3cr~etForm.9', 'c2lnbmF0dXJlQXNz', 'eyJhdWQiOiJ4In0', 'atSig', '1.AXoAjsonRt', '1.AXoAnestedRt', 'idTokNested', 'bare-assertion-value', 'bareJwtSignature']) {
      assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    }
    assert.match(out, /grant_type=refresh_token&resource=/, 'the rest of the form stays readable');
    assert.match(out, /refresh_token=\[REDACTED\]/);
    assert.match(out, /\\"expires_in\\":\\"3599\\"/);
    assert.equal(
      scrubSecrets('{"refresh_token":"rt","access_token":"at","scope":"openid"}'),
      '{"refresh_token":"[REDACTED]","access_token":"[REDACTED]","scope":"openid"}',
    );
  });

  it('keeps ordinary text intact', () => {
    assert.equal(scrubSecrets('order 3F8A2C91 for contoso.onmicrosoft.com'), 'order 3F8A2C91 for contoso.onmicrosoft.com');
  });

  it('stamps every line inside a turn with its correlation id', () => {
    const { logger, lines } = capture();
    withCorrelation('turn-42', () => logger.info('inside'));
    logger.info('outside');
    assert.equal(JSON.parse(lines[0]!).correlationId, 'turn-42');
    assert.equal(JSON.parse(lines[1]!).correlationId, undefined);
  });

  it('writes readable lines to a terminal outside production, and JSON to a pipe or in production', async () => {
    const written: string[] = [];
    const terminal = Object.assign(new Writable({ write(chunk: Buffer, _e, cb) { written.push(chunk.toString()); cb(); } }), { isTTY: true }) as unknown as NodeJS.WriteStream;
    const pretty = await logDestination({ production: false, stream: terminal });
    assert.ok(pretty, 'a terminal gets pino-pretty');
    createLogger({ level: 'info', name: 'local' }, pretty).info({ url: 'http://127.0.0.1:3978' }, 'bot listening');
    await new Promise((resolve) => setImmediate(resolve));
    // eslint-disable-next-line no-control-regex -- the terminal's colour codes
    const line = written.join('').replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(line, /INFO \(local\): bot listening/);
    assert.doesNotMatch(line, /^\{"level"/, 'not raw JSON');
    const pipe = Object.assign(new Writable({ write(_c, _e, cb) { cb(); } }), { isTTY: false }) as unknown as NodeJS.WriteStream;
    assert.equal(await logDestination({ production: false, stream: pipe }), undefined, 'a pipe gets JSON (pino\'s default)');
    assert.equal(await logDestination({ production: true, stream: terminal }), undefined, 'production gets JSON, also in a terminal');
  });
});
