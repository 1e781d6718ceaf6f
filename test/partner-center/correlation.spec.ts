import { strict as assert } from 'node:assert';
import { withCorrelation } from '../../services/logger.js';
import { guidFrom, partnerCenterCorrelationId } from '../../services/partner-center/correlation.js';

/** A version-4-shaped GUID: version nibble 4, variant 10xx. */
const GUID_V4_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('services/partner-center/correlation', () => {
  it('uses a turn id that is a GUID as it is, in lower case', () => {
    const id = withCorrelation('1438EA3D-B515-45C7-9EC1-27EE0CC8E6BD', () => partnerCenterCorrelationId());
    assert.equal(id, '1438ea3d-b515-45c7-9ec1-27ee0cc8e6bd');
  });

  it('turns any other turn id into a GUID, the same one every time, a different one for another id', () => {
    const first = withCorrelation('slack:T1:abc', () => partnerCenterCorrelationId());
    const again = withCorrelation('slack:T1:abc', () => partnerCenterCorrelationId());
    const other = withCorrelation('slack:T1:abd', () => partnerCenterCorrelationId());
    assert.match(first, GUID_V4_SHAPE);
    assert.equal(again, first);
    assert.equal(first, guidFrom('slack:T1:abc'));
    assert.notEqual(other, first);
    // SHA-256('abc') = ba7816bf8f01cfea414140de5dae2223…: its first 16 bytes with the version and variant bits set, pinned so the derivation never changes unnoticed.
    assert.equal(guidFrom('abc'), 'ba7816bf-8f01-4fea-8141-40de5dae2223');
  });

  it('outside any action: a new random GUID each time', () => {
    const a = partnerCenterCorrelationId();
    const b = partnerCenterCorrelationId();
    assert.match(a, GUID_V4_SHAPE);
    assert.match(b, GUID_V4_SHAPE);
    assert.notEqual(a, b);
  });
});
