import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import type { Storage, StoreItems } from 'botbuilder';
import { PrefetchedStorage } from '../../dialogs/prefetched-storage.js';

describe('dialogs/prefetched-storage', () => {
  function inner(): Storage & { read: sinon.SinonStub } {
    return {
      read: sinon.stub<[string[]], Promise<StoreItems>>().resolves({ k: { from: 'storage', eTag: '9' } }),
      write: sinon.stub<[StoreItems], Promise<void>>().resolves(),
      delete: sinon.stub<[string[]], Promise<void>>().resolves(),
    };
  }

  it('answers the turn\'s first read of a prefetched key without the storage, and the next read from the storage', async () => {
    const store = inner();
    const storage = new PrefetchedStorage(store);
    await storage.run(new Map([['k', { from: 'prefetch', eTag: '1' }]]), async () => {
      assert.deepEqual(await storage.read(['k']), { k: { from: 'prefetch', eTag: '1' } });
      assert.equal(store.read.callCount, 0);
      assert.deepEqual(await storage.read(['k']), { k: { from: 'storage', eTag: '9' } });
      assert.equal(store.read.callCount, 1);
    });
  });

  it('a key known to be absent reads as nothing; unknown keys and reads outside a turn go to the storage', async () => {
    const store = inner();
    const storage = new PrefetchedStorage(store);
    await storage.run(new Map([['k', null]]), async () => {
      assert.deepEqual(await storage.read(['k']), {});
      await storage.read(['other']);
    });
    await storage.read(['k']);
    assert.deepEqual(store.read.args.map((a) => a[0]), [['other'], ['k']]);
  });

  it('keeps each turn\'s documents to that turn, also when turns interleave', async () => {
    const storage = new PrefetchedStorage(inner());
    const seen = await Promise.all(['a', 'b'].map((who) =>
      storage.run(new Map([['k', { who, eTag: '1' }]]), async () => {
        await new Promise((r) => setTimeout(r, who === 'a' ? 20 : 0));
        return ((await storage.read(['k'])).k as { who: string }).who;
      })));
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('passes writes and deletes through', async () => {
    const store = inner();
    const storage = new PrefetchedStorage(store);
    await storage.write({ k: { x: 1 } });
    await storage.delete(['k']);
    assert.equal((store.write as sinon.SinonStub).callCount + (store.delete as sinon.SinonStub).callCount, 2);
  });
});
