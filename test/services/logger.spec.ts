import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { createLogger, scrubSecrets, withCorrelation } from '../../services/logger.js';

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
});
