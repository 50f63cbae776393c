// Unit tests of the AI answer helper (web/client/ai.js) against a fake client: numbering, refusals, resume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AiAnswers, AiError } from '../client/ai.js';

const encoder = new TextEncoder();

/** What AiAnswers uses of PeerMeshClient: events in, send out. */
class FakeClient extends EventTarget {
  constructor() {
    super();
    this.sent = [];
    this.accept = true;
  }

  send(channel, data, opts) {
    if (opts.to[0] === 'nobody') {
      throw Object.assign(new Error('unknown peer'), { code: 'unknown-peer' });
    }
    this.sent.push({ channel, to: opts.to, message: JSON.parse(data) });
    return this.accept;
  }

  fromBot(message, from = 'ai-bot') {
    this.dispatchEvent(new CustomEvent('message', { detail: { from, channel: 'ai-stream',
      data: encoder.encode(JSON.stringify(message)), seq: 0 } }));
  }

  linkUp(peer) {
    this.dispatchEvent(new CustomEvent('state', { detail: { peer, from: 'connecting', to: 'connected' } }));
  }
}

/** A Storage stand-in. */
class MemoryStorage {
  constructor() {
    this.items = new Map();
  }

  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }

  setItem(key, value) {
    this.items.set(key, String(value));
  }
}

test('an answer collects its pieces once each, in order, and settles on done', async () => {
  const client = new FakeClient();
  const ai = new AiAnswers(client);
  const answer = ai.ask('ai-bot', 'hi', { id: 'q1' });
  assert.deepEqual(client.sent[0], { channel: 'ai-stream', to: ['ai-bot'], message: { type: 'prompt', id: 'q1', prompt: 'hi' } });
  const deltas = [];
  answer.addEventListener('delta', (e) => deltas.push(e.detail.text));
  client.fromBot({ type: 'delta', id: 'q1', n: 0, text: 'Hel' });
  client.fromBot({ type: 'delta', id: 'q1', n: 0, text: 'Hel' });
  client.fromBot({ type: 'delta', id: 'q1', n: 1, text: 'lo' });
  client.fromBot({ type: 'delta', id: 'q1', n: 1, text: 'lo' }, 'another-bot');
  client.fromBot({ type: 'done', id: 'q1', n: 2, finish: 'stop' });
  assert.deepEqual(await answer.done, { text: 'Hello', finish: 'stop' });
  assert.deepEqual(deltas, ['Hel', 'lo']);
  assert.equal(ai.pending().length, 0);
  ai.close();
});

test('a gap asks for the missing pieces; a refusal or a failed stream rejects with its code', async () => {
  const client = new FakeClient();
  const ai = new AiAnswers(client);
  const gapped = ai.ask('ai-bot', 'x', { id: 'g' });
  client.fromBot({ type: 'delta', id: 'g', n: 1, text: 'late' });
  assert.deepEqual(client.sent.at(-1).message, { type: 'resume', id: 'g', from: 0 });
  const asked = client.sent.length;
  client.fromBot({ type: 'delta', id: 'g', n: 2, text: 'later' });
  assert.equal(client.sent.length, asked, 'one resume per gap');
  assert.equal(gapped.text, '');

  const refused = ai.ask('ai-bot', 'y', { id: 'r' });
  client.fromBot({ type: 'error', id: 'r', code: 'ai-busy', message: 'two under way' });
  await assert.rejects(refused.done, (e) => e instanceof AiError && e.code === 'ai-busy');

  const failed = ai.ask('ai-bot', 'z', { id: 'f' });
  client.fromBot({ type: 'delta', id: 'f', n: 0, text: 'part' });
  client.fromBot({ type: 'error', id: 'f', n: 1, code: 'ai-backend-error', message: '500' });
  await assert.rejects(failed.done, (e) => e.code === 'ai-backend-error');
  assert.equal(failed.text, 'part');

  failed.cancel();
  assert.deepEqual(client.sent.at(-1).message, { type: 'cancel', id: 'f' });
  ai.close();
});

test('a prompt the link has no room for fails at once; no link at all throws', async () => {
  const client = new FakeClient();
  const ai = new AiAnswers(client);
  client.accept = false;
  await assert.rejects(ai.ask('ai-bot', 'x').done, (e) => e.code === 'queue-full');
  assert.equal(ai.pending().length, 0);
  client.accept = true;
  assert.throws(() => ai.ask('nobody', 'x'), /unknown peer/);
  assert.throws(() => ai.ask('ai-bot', 'x', { id: 'no spaces' }), TypeError);
  ai.close();
});

test('unfinished answers survive a reload in storage and resume from the piece held when the bot links', async () => {
  const storage = new MemoryStorage();
  const before = new FakeClient();
  const first = new AiAnswers(before, { storage });
  first.ask('ai-bot', 'long', { id: 'l' });
  before.fromBot({ type: 'delta', id: 'l', n: 0, text: 'one ' });
  before.fromBot({ type: 'delta', id: 'l', n: 1, text: 'two ' });
  first.close();

  const after = new FakeClient();
  const second = new AiAnswers(after, { storage });
  const [restored] = second.pending();
  assert.equal(restored.text, 'one two ');
  after.linkUp('someone-else');
  assert.equal(after.sent.length, 0);
  after.linkUp('ai-bot');
  assert.deepEqual(after.sent[0].message, { type: 'resume', id: 'l', from: 2 });
  after.fromBot({ type: 'delta', id: 'l', n: 1, text: 'two ' });
  after.fromBot({ type: 'delta', id: 'l', n: 2, text: 'three' });
  after.fromBot({ type: 'done', id: 'l', n: 3, finish: 'stop' });
  assert.deepEqual(await restored.done, { text: 'one two three', finish: 'stop' });
  assert.equal(storage.getItem('peermesh.ai'), '[]');

  storage.setItem('peermesh.ai', '{broken');
  assert.equal(new AiAnswers(new FakeClient(), { storage }).pending().length, 0);
  second.close();
});
