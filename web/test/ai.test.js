// Unit tests of the AI answer helper (web/client/ai.js) against a fake client: numbering, refusals, resume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AiAnswerList, AiAnswers, AiError } from '../client/ai.js';

const encoder = new TextEncoder();

/** What AiAnswers uses of PeerMeshClient: events in, send out. */
class FakeClient extends EventTarget {
  constructor() {
    super();
    this.sent = [];
    this.accept = true;
    /** What went to the client's `error` event (PeerMeshClient#_error). */
    this.errors = [];
    /** peer -> its link's state, as `peer(id).state` reports it */
    this.states = new Map();
  }

  _error(code, message) {
    this.errors.push({ code, message });
  }

  peer(id) {
    return this.states.has(id) ? { peer: id, state: this.states.get(id) } : null;
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

  linkUp(peer, to = 'connected', from = 'connecting') {
    this.states.set(peer, to);
    this.dispatchEvent(new CustomEvent('state', { detail: { peer, from, to } }));
  }
}

/** setTimeout/clearTimeout on a clock the test advances. */
class FakeTimers {
  constructor() {
    this.now = 0;
    this.pending = new Map();
    this.nextId = 1;
  }

  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(id) {
    this.pending.delete(id);
  }

  advance(ms) {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending].filter(([, t]) => t.at <= until).sort((x, y) => x[1].at - y[1].at)[0];
      if (!due) {
        break;
      }
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
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
    this.writes = (this.writes ?? 0) + 1;
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

test('restored answers resume at once when the bot\'s link is usable already, not while it is still coming up', () => {
  const storage = new MemoryStorage();
  const before = new FakeClient();
  const first = new AiAnswers(before, { storage });
  first.ask('ai-bot', 'long', { id: 'l' });
  first.ask('ai-slow', 'other', { id: 'o' });
  before.fromBot({ type: 'delta', id: 'l', n: 0, text: 'one ' });
  first.close();

  const after = new FakeClient();
  after.linkUp('ai-bot'); // linked before the AiAnswers is made: no state change will come
  after.linkUp('ai-slow', 'connecting', 'idle');
  const second = new AiAnswers(after, { storage });
  assert.deepEqual(after.sent.map((s) => [s.to[0], s.message]), [['ai-bot', { type: 'resume', id: 'l', from: 1 }]]);
  after.linkUp('ai-slow');
  assert.deepEqual(after.sent.at(-1).message, { type: 'resume', id: 'o', from: 0 }, 'the other once its link is up');
  second.close();
});

test('two AiAnswers on one storage key keep each other\'s answers; after a reload the first one made restores them', () => {
  const storage = new MemoryStorage();
  const stored = () => JSON.parse(storage.getItem('peermesh.ai')).map((s) => s.id).sort();
  const client = new FakeClient();
  const one = new AiAnswers(client, { storage });
  const two = new AiAnswers(client, { storage });
  one.ask('ai-bot', 'first', { id: 'a1' });
  two.ask('ai-bot', 'second', { id: 'b1' });
  one.ask('ai-bot', 'third', { id: 'a2' });
  assert.deepEqual(stored(), ['a1', 'a2', 'b1'], 'each write keeps the other\'s answers');
  client.fromBot({ type: 'done', id: 'a1', n: 0, finish: 'stop' });
  assert.deepEqual(stored(), ['a2', 'b1'], 'an answer that ended leaves, the other\'s stay');
  client.fromBot({ type: 'error', id: 'b1', code: 'ai-busy', message: 'two under way' });
  assert.deepEqual(stored(), ['a2']);
  two.ask('ai-bot', 'fourth', { id: 'b2' });
  one.close();
  two.close();

  const reloaded = new FakeClient();
  const first = new AiAnswers(reloaded, { storage });
  const second = new AiAnswers(reloaded, { storage });
  assert.deepEqual(first.pending().map((a) => a.id).sort(), ['a2', 'b2']);
  assert.deepEqual(second.pending(), [], 'not restored twice for one client: both would resume them');
  second.ask('ai-bot', 'fifth', { id: 'c1' });
  assert.deepEqual(stored(), ['a2', 'b2', 'c1']);
  first.close();
  second.close();
});

test('a long answer is written to storage at most every 250 ms while it streams, and at once when asked and ended', async () => {
  const storage = new MemoryStorage();
  const timers = new FakeTimers();
  const client = new FakeClient();
  const ai = new AiAnswers(client, { storage, timers });
  const answer = ai.ask('ai-bot', 'long', { id: 'w' });
  assert.equal(storage.writes, 1, 'written when asked');
  assert.equal(JSON.parse(storage.getItem('peermesh.ai'))[0].prompt, 'long');
  let expected = '';
  for (let n = 0; n < 1000; n++) {
    // A piece every 20 ms: 20 s of answer.
    client.fromBot({ type: 'delta', id: 'w', n, text: `p${n} ` });
    expected += `p${n} `;
    timers.advance(20);
    const [saved] = JSON.parse(storage.getItem('peermesh.ai'));
    assert.ok(expected.startsWith(saved.text) && saved.text === Array.from({ length: saved.next }, (_, i) => `p${i} `).join(''),
      'text and next are written together');
  }
  const streaming = storage.writes;
  assert.ok(streaming <= 1 + 20_000 / 250 + 1, `${streaming} writes for 1,000 pieces over 20 s`);
  client.fromBot({ type: 'done', id: 'w', n: 1000, finish: 'stop' });
  assert.equal(storage.writes, streaming + 1, 'written at once when it ends');
  assert.equal(storage.getItem('peermesh.ai'), '[]');
  assert.equal((await answer.done).text, expected);
  assert.equal(timers.pending.size, 0);
  ai.close();
});

test('a full storage neither breaks an ask nor stops its answer; it is reported once, until a write succeeds again', async () => {
  const storage = new MemoryStorage();
  const setItem = storage.setItem.bind(storage);
  storage.full = true;
  storage.setItem = (key, value) => {
    if (storage.full) {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    }
    setItem(key, value);
  };
  const timers = new FakeTimers();
  const client = new FakeClient();
  let saves = 0;
  const ai = new AiAnswers(client, { storage, timers, onSave: () => saves++ });
  const answer = ai.ask('ai-bot', 'long', { id: 'q' });
  assert.equal(client.sent[0].message.type, 'prompt');
  assert.deepEqual(ai.pending(), [answer]);
  for (let n = 0; n < 20; n++) {
    client.fromBot({ type: 'delta', id: 'q', n, text: `p${n} ` });
    timers.advance(100);
  }
  assert.equal(answer.text.split(' ').length, 21, 'every piece arrived');
  assert.deepEqual(client.errors.map((e) => e.code), ['storage-failed'], 'reported once for many failed writes');
  assert.match(client.errors[0].message, /QuotaExceededError/);
  assert.equal(saves, 0, 'onSave only after a write');
  assert.equal(storage.getItem('peermesh.ai'), null);

  storage.full = false;
  client.fromBot({ type: 'delta', id: 'q', n: 20, text: 'p20 ' });
  timers.advance(250);
  assert.equal(JSON.parse(storage.getItem('peermesh.ai'))[0].next, 21, 'written again once there is room');
  assert.equal(saves, 1);
  storage.full = true;
  client.fromBot({ type: 'done', id: 'q', n: 21, finish: 'stop' });
  assert.equal((await answer.done).finish, 'stop');
  assert.equal(client.errors.length, 2, 'a new failure after a write that succeeded is reported again');
  ai.close();
});

test('a page dying between writes resumes from the piece written: nothing lost, nothing twice', async () => {
  const storage = new MemoryStorage();
  const timers = new FakeTimers();
  const before = new FakeClient();
  new AiAnswers(before, { storage, timers }).ask('ai-bot', 'x', { id: 'd' });
  for (let n = 0; n < 30; n++) {
    before.fromBot({ type: 'delta', id: 'd', n, text: `p${n} ` });
    timers.advance(20);
  }
  // No close, no pagehide: the last write was at 500 ms (piece 24), the pieces after it are lost.
  const [saved] = JSON.parse(storage.getItem('peermesh.ai'));
  assert.ok(saved.next > 0 && saved.next < 30, `next ${saved.next}`);

  const after = new FakeClient();
  const ai = new AiAnswers(after, { storage, timers });
  const [restored] = ai.pending();
  assert.equal(restored.prompt, 'x');
  after.linkUp('ai-bot');
  assert.deepEqual(after.sent[0].message, { type: 'resume', id: 'd', from: saved.next });
  for (let n = saved.next; n < 40; n++) {
    after.fromBot({ type: 'delta', id: 'd', n, text: `p${n} ` });
  }
  after.fromBot({ type: 'done', id: 'd', n: 40, finish: 'stop' });
  assert.equal((await restored.done).text, Array.from({ length: 40 }, (_, i) => `p${i} `).join(''));
  ai.close();
});

test('pagehide writes what the timer has not yet, and close stops listening to it', () => {
  const page = new EventTarget();
  globalThis.addEventListener = page.addEventListener.bind(page);
  globalThis.removeEventListener = page.removeEventListener.bind(page);
  try {
    const storage = new MemoryStorage();
    const timers = new FakeTimers();
    const client = new FakeClient();
    const ai = new AiAnswers(client, { storage, timers });
    ai.ask('ai-bot', 'x', { id: 'h' });
    client.fromBot({ type: 'delta', id: 'h', n: 0, text: 'kept' });
    assert.equal(JSON.parse(storage.getItem('peermesh.ai'))[0].text, '');
    page.dispatchEvent(new Event('pagehide'));
    assert.equal(JSON.parse(storage.getItem('peermesh.ai'))[0].text, 'kept');
    assert.equal(timers.pending.size, 0, 'the timer is cleared by the write');
    ai.close();
    const writes = storage.writes;
    page.dispatchEvent(new Event('pagehide'));
    assert.equal(storage.writes, writes);
  } finally {
    delete globalThis.addEventListener;
    delete globalThis.removeEventListener;
  }
});

test('unfinished answers resume when the bot\'s link turns degraded (ai-stream goes over signaling), not while it recovers', () => {
  const client = new FakeClient();
  const ai = new AiAnswers(client);
  ai.ask('ai-bot', 'x', { id: 'g' });
  client.fromBot({ type: 'delta', id: 'g', n: 0, text: 'a' });
  client.sent.length = 0;
  client.linkUp('ai-bot', 'disconnected', 'connected');
  client.linkUp('ai-bot', 'reconnecting', 'disconnected');
  assert.equal(client.sent.length, 0);
  client.linkUp('ai-bot', 'degraded', 'reconnecting');
  assert.deepEqual(client.sent.map((s) => s.message), [{ type: 'resume', id: 'g', from: 1 }]);
  ai.close();
});

test('AiAnswerList hands out plain records, one change per batch however many pieces, and stops on close', () => {
  const timers = new FakeTimers();
  const client = new FakeClient();
  const changes = [];
  const list = new AiAnswerList(client, { timers, onChange: (answers) => changes.push(answers) });
  const id = list.ask('ai-bot', 'hi');
  const sentId = client.sent[0].message.id;
  assert.equal(sentId, id);
  for (let n = 0; n < 100; n++) {
    client.fromBot({ type: 'delta', id, n, text: `${n},` });
  }
  assert.equal(changes.length, 0, 'nothing before the batch is due');
  timers.advance(50);
  assert.equal(changes.length, 1);
  const streaming = changes[0][0];
  assert.equal(streaming.state, 'streaming');
  assert.equal(streaming.text, Array.from({ length: 100 }, (_, n) => `${n},`).join(''));
  assert.ok(list.cancel(id));
  assert.deepEqual(client.sent.at(-1).message, { type: 'cancel', id });
  client.fromBot({ type: 'done', id, n: 100, finish: 'cancelled' });

  const failing = list.ask('ai-bot', 'fail');
  client.fromBot({ type: 'delta', id: failing, n: 0, text: 'part' });
  client.fromBot({ type: 'error', id: failing, n: 1, code: 'ai-backend-error', message: 'backend said 429' });
  const unknown = list.ask('nobody', 'x');
  timers.advance(50);
  assert.equal(changes.length, 2);
  const [done, failed, refused] = changes[1];
  assert.deepEqual([done.id, done.prompt, done.state, done.finish, done.error], [id, 'hi', 'done', 'cancelled', null]);
  assert.deepEqual({ ...failed }, { id: failing, peer: 'ai-bot', prompt: 'fail', text: 'part', state: 'error',
    finish: null, error: { code: 'ai-backend-error', message: 'backend said 429' } });
  assert.equal(refused.id, unknown);
  assert.equal(refused.state, 'error');
  assert.equal(refused.error.code, 'unknown-peer');
  assert.equal(list.cancel(id), false, 'not streaming any more');

  const last = list.ask('ai-bot', 'again');
  timers.advance(50);
  assert.equal(changes.at(-1).length, 4);
  assert.equal(changes.at(-1)[1], failed, 'an unchanged record is the same object');
  const before = changes.length;
  list.close();
  client.fromBot({ type: 'delta', id: last, n: 0, text: 'late' });
  timers.advance(1000);
  assert.equal(changes.length, before, 'no change after close');
  assert.equal(timers.pending.size, 0);
});

test('AiAnswerList without a client fails asks, and lists the answers restored from storage', () => {
  const timers = new FakeTimers();
  const empty = new AiAnswerList(null, { timers });
  empty.ask('ai-bot', 'x');
  timers.advance(50);
  assert.equal(empty.answers()[0].error.code, 'not-joined');
  empty.close();

  const storage = new MemoryStorage();
  const first = new AiAnswerList(new FakeClient(), { storage, timers });
  first.ask('ai-bot', 'kept');
  first.close();
  const client = new FakeClient();
  const second = new AiAnswerList(client, { storage, timers });
  assert.deepEqual(second.answers().map((a) => [a.prompt, a.state]), [['kept', 'streaming']]);
  client.linkUp('ai-bot');
  assert.equal(client.sent[0].message.type, 'resume');
  second.close();
});

test('two AiAnswers asking in the same millisecond get different ids', () => {
  const realNow = Date.now;
  Date.now = () => 1_764_000_000_000;
  try {
    const client = new FakeClient();
    const first = new AiAnswers(client);
    const second = new AiAnswers(client);
    const a = first.ask('ai-bot', 'one');
    const b = second.ask('ai-bot', 'two');
    assert.notEqual(a.id, b.id);
    assert.match(a.id, /^[A-Za-z0-9._-]{1,64}$/);
    first.close();
    second.close();
  } finally {
    Date.now = realNow;
  }
});
