// Unit tests of the client's options: connectTo limits the peers it links with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toBase64 } from '../client/channels.js';
import { CHANNEL_LABELS, PeerMeshClient, PeerMeshError } from '../client/peermesh.js';

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

test('a peer that leaves hands back the code-sync messages it never acknowledged', () => {
  const client = new PeerMeshClient({ url: URL, room: 'r' });
  client.peerId = 'alice';
  const events = [];
  client.addEventListener('unconfirmed', (e) => events.push(e.detail));
  const remote = client._addPeer('relay-bob', true);
  remote.mux.offer('code-sync', new TextEncoder().encode('edit 1'));
  remote.mux.offer('ai-stream', new TextEncoder().encode('ask'));
  remote.mux.offer('presence', new TextEncoder().encode('here'));
  client._onSignal({ type: 'peer-left', room: 'r', peer: 'relay-bob', reason: 'node-lost' });
  assert.equal(events.length, 1);
  assert.equal(events[0].peer, 'relay-bob');
  assert.equal(events[0].reason, 'node-lost');
  assert.deepEqual(events[0].messages.map((m) => `${m.channel}:${new TextDecoder().decode(m.data)}`),
    ['code-sync:edit 1', 'ai-stream:ask'], 'the sequenced channels only, in order');
  // A peer with nothing outstanding leaves quietly.
  client._addPeer('carol', true);
  client._onSignal({ type: 'peer-left', room: 'r', peer: 'carol', reason: 'left' });
  assert.equal(events.length, 1);
  client.close();
});

test('an offer from a peer outside connectTo is declined, and a declining peer is left alone', () => {
  const picky = new PeerMeshClient({ url: URL, room: 'r', connectTo: ['relay-alice'] });
  picky.peerId = 'carol';
  const sent = [];
  picky.signaling = { send: (m) => sent.push(m), close: () => {} };
  picky._onSignal({ type: 'offer', from: 'bob', sdp: 'v=0', connection: 1 });
  assert.deepEqual(sent, [{ type: 'state', to: 'bob', state: 'declined', reason: 'not in connectTo' }]);
  assert.equal(picky.remotes.size, 0);
  // A polite peer waits for our offer while it reports its state: declined too; a decline is not answered.
  picky._onSignal({ type: 'state', from: 'dave', state: 'connecting', previous: 'idle' });
  picky._onSignal({ type: 'state', from: 'erin', state: 'declined', reason: 'not in connectTo' });
  assert.deepEqual(sent.map((m) => m.to), ['bob', 'dave']);
  picky.close();

  const mesh = new PeerMeshClient({ url: URL, room: 'r' });
  try {
    mesh.peerId = 'bob';
    const peers = [];
    const joinedEvents = [];
    mesh.addEventListener('peers', (e) => peers.push(e.detail.peers.map((p) => p.peer)));
    mesh.addEventListener('peer-joined', (e) => joinedEvents.push(e.detail.peer));
    mesh._addPeer('carol', true);
    assert.ok(mesh.remotes.has('carol'));
    mesh._onSignal({ type: 'state', from: 'carol', state: 'declined', reason: 'not in connectTo' });
    assert.equal(mesh.remotes.has('carol'), false, 'no more offers to a peer that declined');
    assert.deepEqual(peers[peers.length - 1], []);
    assert.equal(mesh._addPeer('carol', true), undefined, 'a resumed session does not add it again');
    // It may still want us later: its own offer starts a link.
    mesh._onSignal({ type: 'offer', from: 'carol', sdp: 'v=0', connection: 1 });
    assert.ok(mesh.remotes.has('carol'));
    assert.deepEqual(joinedEvents, ['carol'], 'carol joined once: its offer after the decline is no second peer-joined');
  } finally {
    mesh.close(); // its timers would keep the run going after a failure
  }
});

test('a peer answers a pacing probe on the link it came on: WebRTC or the signaling relay, whichever path it uses', () => {
  const client = new PeerMeshClient({ url: URL, room: 'r' });
  client.peerId = 'alice';
  const relayed = [];
  client.signaling = { isJoined: true, send: () => {}, close: () => {},
    trySendRelay: (to, label, data) => relayed.push(`${label}:${data}`) > 0 };
  try {
    probeAnsweredOnItsLink(client, relayed);
  } finally {
    client.close(); // its timers would keep the test running after a failure
  }
});

/** The probe test's body: bob's RemotePeer with a fake link; `relayed` holds what went over signaling. */
function probeAnsweredOnItsLink(client, relayed) {
  // Polite (alice < bob): it waits for bob's offer, so no RTCPeerConnection is made here; a fake link stands in.
  const remote = client._addPeer('bob', true);
  const onLink = [];
  const link = { send: (label, frame) => onLink.push(`${label}:${frame[0]}`) > 0, bufferedAmount: () => 0, close: () => {} };
  remote.link = link;
  CHANNEL_LABELS.forEach((label) => remote.openChannels.add(label));
  const probe = new Uint8Array([0x02, 1, 2, 3, 4, 5, 6, 7, 8]);
  const reply = toBase64(new Uint8Array([0x03, 1, 2, 3, 4, 5, 6, 7, 8]));

  remote.mux.usePath(remote.relayPath); // bob's end still degraded while alice probes the WebRTC link
  remote._listener(link, remote.generation).onMessage('presence', probe);
  assert.deepEqual(onLink, ['presence:3']);
  assert.deepEqual(relayed, []);

  remote.mux.usePath(remote.linkPath);
  remote.onSignal({ type: 'relay', from: 'bob', channel: 'presence', data: toBase64(probe) });
  assert.deepEqual(relayed, [`presence:${reply}`], 'a probe over the relay is answered over the relay');
  assert.deepEqual(onLink, ['presence:3']);
}

test('a fresh signaling session hands back what the peers never acknowledged (new-session), once the new links exist', () => {
  const client = new PeerMeshClient({ url: URL, room: 'r' });
  try {
    client.peerId = 'alice';
    const events = [];
    client.addEventListener('unconfirmed', (e) => events.push({ ...e.detail, linked: client.remotes.get(e.detail.peer) }));
    const joined = (resumed) => client._onJoined({ type: 'joined', room: 'r', peer: 'alice', resumed,
      peers: [{ peer: 'alice' }, { peer: 'bob' }] });
    joined(false);
    const old = client.remotes.get('bob');
    old.mux.offer('code-sync', new TextEncoder().encode('edit 1'));
    old.mux.offer('cursor-pos', new TextEncoder().encode('12'));
    joined(true);
    assert.equal(events.length, 0, 'a resumed session keeps its links and their resends');
    assert.equal(client.remotes.get('bob'), old);

    joined(false); // the server forgot us: bob takes us for a new instance
    assert.equal(events.length, 1);
    assert.equal(events[0].peer, 'bob');
    assert.equal(events[0].reason, 'new-session');
    assert.deepEqual(events[0].messages.map((m) => `${m.channel}:${new TextDecoder().decode(m.data)}`), ['code-sync:edit 1']);
    assert.ok(events[0].linked && events[0].linked !== old, 'the new link exists when the application hears it');
    assert.equal(client.remotes.get('bob').mux.unconfirmed().length, 0, 'nothing is carried over to the new link');
  } finally {
    client.close();
  }
});

test('a peer that declined us and comes back with us in its connectTo (a resumed session, polite) is linked again', () => {
  const mesh = new PeerMeshClient({ url: URL, room: 'r' });
  try {
    mesh.peerId = 'bob';
    const sent = [];
    mesh.signaling = { send: (m) => sent.push(m), close: () => {} };
    mesh._addPeer('alice', true);
    mesh._onSignal({ type: 'state', from: 'alice', state: 'declined', reason: 'not in connectTo' });
    assert.equal(mesh.remotes.has('alice'), false);
    mesh._onSignal({ type: 'state', from: 'alice', state: 'closed', previous: 'connected' });
    assert.equal(mesh.remotes.has('alice'), false, 'a closed link is no wish for one');

    // alice's page reloads with bob in its connectTo and resumes its session: no peer-joined reaches bob, and
    // alice, polite (alice < bob), reports its new link and waits for bob's offer.
    mesh._onSignal({ type: 'state', from: 'alice', state: 'connecting', previous: 'idle' });
    assert.ok(mesh.remotes.has('alice'), 'linked again');
    assert.equal(mesh.declinedBy.has('alice'), false);
    assert.equal(sent.filter((m) => m.state === 'declined').length, 0, 'bob declines nothing');
  } finally {
    mesh.close();
  }
  // The reloaded page itself takes its new connectTo at the resumed join.
  const reloaded = new PeerMeshClient({ url: URL, room: 'r', connectTo: ['relay-alice', 'bob'], resume: 'token' });
  try {
    reloaded._onJoined({ type: 'joined', room: 'r', peer: 'alice', resumed: true, peers: [{ peer: 'bob' }] });
    assert.ok(reloaded.remotes.has('bob'));
  } finally {
    reloaded.close();
  }
});
