// Unit tests of the client's options: connectTo limits the peers it links with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerMeshClient, PeerMeshError } from '../client/peermesh.js';

const URL = 'ws://127.0.0.1:1/signal';

test('without connectTo the client links with every peer', () => {
  const client = new PeerMeshClient({ url: URL, room: 'r' });
  assert.equal(client.linksWith('anyone'), true);
  client.close();
});

test('with connectTo only the named peers get a link', () => {
  const client = new PeerMeshClient({ url: URL, room: 'r', connectTo: ['relay-alice'] });
  assert.equal(client.linksWith('relay-alice'), true);
  assert.equal(client.linksWith('bob'), false);
  assert.equal(client._addPeer('bob', true), undefined);
  assert.equal(client.remotes.size, 0);
  assert.ok(Object.isFrozen(client.options.connectTo));
  client.close();
});

test('a malformed connectTo is refused with bad-config', () => {
  for (const connectTo of ['relay-alice', [42], ['no spaces allowed'], [''], {}]) {
    assert.throws(() => new PeerMeshClient({ url: URL, room: 'r', connectTo }),
      (e) => e instanceof PeerMeshError && e.code === 'bad-config' && /connectTo/.test(e.message),
      JSON.stringify(connectTo));
  }
});
