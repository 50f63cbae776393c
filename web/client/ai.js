/**
 * Asking an AI bot on `ai-stream` (protocol in docs/AI.md): numbered answer pieces, each kept once and in
 * order; when the link to the bot comes back (a new connection, degraded mode, a reloaded page with `storage`)
 * every unfinished answer is resumed from the piece held.
 *
 * ```js
 * import { AiAnswers } from '/client/ai.js';
 * const ai = new AiAnswers(client, { storage: sessionStorage });
 * const answer = ai.ask('ai-assistant-demo', 'What does this function do?');
 * answer.addEventListener('delta', (e) => out.append(e.detail.text));
 * const { text, finish } = await answer.done;   // rejects with {code, message} on an error
 * ```
 * @module ai
 */

import { ErrorCode } from './errors.js';
import { isUsable } from './reconnect.js';

const decoder = new TextDecoder();
const ID = /^[A-Za-z0-9._-]{1,64}$/;

/** An error the bot answered with (docs/AI.md: ai-busy, ai-backend-error, ...). */
export class AiError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

/**
 * One answer. Events: `delta` {text, n}; `end` {finish} or {error}. `done` settles with {text, finish} or
 * rejects with an AiError. `text` holds what has arrived; `prompt` what was asked (kept in storage too);
 * `finish` or `error` how it ended.
 */
export class AiAnswer extends EventTarget {
  constructor(owner, peer, id, next = 0, text = '', prompt = '') {
    super();
    this.owner = owner;
    this.peer = peer;
    this.id = id;
    this.prompt = prompt;
    /** The piece expected next (pieces 0..next-1 are held). */
    this.next = next;
    this.text = text;
    /** How it ended: the finish reason, or the AiError; null while it streams. */
    this.finish = null;
    this.error = null;
    this.done = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    // Nobody may await it (an answer restored after a reload): an unhandled rejection would be noise.
    this.done.catch(() => {});
  }

  /** Asks the bot to stop; the answer ends with finish 'cancelled'. */
  cancel() {
    this.owner._send(this.peer, { type: 'cancel', id: this.id });
  }

  _piece(m) {
    this.next += 1;
    if (m.type === 'delta') {
      this.text += m.text;
      this.dispatchEvent(new CustomEvent('delta', { detail: { text: m.text, n: m.n } }));
      return false;
    }
    if (m.type === 'done') {
      this.finish = m.finish;
      this.dispatchEvent(new CustomEvent('end', { detail: { finish: m.finish } }));
      this._resolve({ text: this.text, finish: m.finish });
    } else {
      this._fail(new AiError(m.code, m.message));
    }
    return true;
  }

  _fail(error) {
    this.error = error;
    this.dispatchEvent(new CustomEvent('end', { detail: { error } }));
    this._reject(error);
  }
}

/** Open AiAnswers with storage: a new one restores only the stored answers none of its client's holds. */
const openWithStorage = new Set();

const answerKey = (peer, id) => `${peer} ${id}`;

/** Counts the ids made in this page: two AiAnswers (or lists) asking in the same millisecond differ by it. */
let idsMade = 0;
/** This page's mark: two tabs sharing a storage key and a millisecond differ by it. */
const pageMark = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0');

/** A fresh answer id: `prefix`, the time, this page's count and mark. */
function freshId(prefix) {
  return `${prefix}${Date.now().toString(36)}${(idsMade++).toString(36)}${pageMark}`;
}

/**
 * The answers a client is waiting for, from any number of AI bots.
 *
 * Several AiAnswers may share one storage key (two parts of a page, two tabs on `localStorage`): each writes only
 * its own answers and keeps every other entry it finds, so none loses another's. A new one restores the stored
 * answers that no open AiAnswers of the same client holds (two would both resume them): after a reload the first
 * one made takes them all, a second one made meanwhile starts empty. Another client (a new page, another tab)
 * restores them whoever holds them, so with `localStorage` a tab would take over (and resume under its own peer
 * id) the answers another tab asked: give each tab its own `key`, or use `sessionStorage`.
 */
export class AiAnswers {
  /**
   * @param {import('./peermesh.js').PeerMeshClient} client
   * @param {object} [opts]
   * @param {Storage} [opts.storage] unfinished answers (their prompt, text and the piece expected next) survive
   *     a reload and are resumed once the bot's link is up (at once when it is up already). Written when an
   *     answer is asked or ends, at most every `saveDelayMs` while pieces arrive, on `pagehide` and on close:
   *     text and `next` are written together, so a page that dies between writes resumes from an earlier piece
   *     and loses nothing
   * @param {string} [opts.key] storage key (default 'peermesh.ai')
   * @param {() => void} [opts.onSave] called right after each write, so a page can store what it shows of the
   *     answers at the same moment (the demo keeps its output box so)
   * @param {number} [opts.saveDelayMs] default 250
   * @param {{setTimeout: Function, clearTimeout: Function}} [opts.timers] default the global ones (tests)
   */
  constructor(client, opts = {}) {
    this.client = client;
    this.storage = opts.storage ?? null;
    this.key = opts.key ?? 'peermesh.ai';
    this._onSaved = opts.onSave ?? null;
    this._saveDelayMs = opts.saveDelayMs ?? 250;
    this._timers = opts.timers ?? globalThis;
    /** The pending write's timer, or null. */
    this._saveTimer = null;
    /** `${peer} ${id}` -> AiAnswer */
    this.answers = new Map();
    /** A write failed and none succeeded since: reported already. */
    this._storageFailing = false;
    /** Keys of answers of ours that ended since the last write: their entries go then. */
    this._ended = new Set();
    for (const saved of this._load()) {
      const key = answerKey(saved.peer, saved.id);
      if (!this._heldByAnother(key)) {
        this.answers.set(key, new AiAnswer(this, saved.peer, saved.id, saved.next, saved.text, saved.prompt ?? ''));
      }
    }
    if (this.storage) {
      openWithStorage.add(this);
    }
    this._onMessage = (e) => {
      if (e.detail.channel === 'ai-stream') {
        this._receive(e.detail.from, e.detail.data);
      }
    };
    // Connected, or degraded (frames over signaling, where ai-stream works too). A resume more than needed
    // (degraded -> connected) is harmless: the bot answers from the piece asked and repeats are dropped by n.
    this._onState = (e) => {
      if (isUsable(e.detail.to)) {
        this.resume(e.detail.peer);
      }
    };
    this._onPageHide = () => this._save();
    client.addEventListener('message', this._onMessage);
    client.addEventListener('state', this._onState);
    // In a browser, a page going away writes what the timer has not yet.
    if (this.storage && typeof globalThis.addEventListener === 'function') {
      globalThis.addEventListener('pagehide', this._onPageHide);
    }
    this._resumeWhereLinked();
  }

  /** True when another open AiAnswers of our client, storage and key holds the answer `key`. */
  _heldByAnother(key) {
    for (const other of openWithStorage) {
      if (other !== this && other.client === this.client && other.storage === this.storage && other.key === this.key
          && other.answers.has(key)) {
        return true;
      }
    }
    return false;
  }

  /** Restored answers whose bot's link is usable already: no `state` change is coming to resume them. */
  _resumeWhereLinked() {
    const bots = new Set([...this.answers.values()].map((a) => a.peer));
    for (const bot of bots) {
      if (isUsable(this.client.peer(bot)?.state)) {
        this.resume(bot);
      }
    }
  }

  /** Answers not finished yet (restored ones included). */
  pending() {
    return [...this.answers.values()];
  }

  /**
   * Sends a prompt to `peer`.
   * @param {string} peer the bot's peer id
   * @param {string} prompt
   * @param {{id?: string}} [opts] the answer's id (default: a fresh one)
   * @returns {AiAnswer}
   * @throws {import('./errors.js').PeerMeshError} when the client cannot send to that peer (as `send`)
   */
  ask(peer, prompt, opts = {}) {
    const id = opts.id ?? freshId('a');
    if (!ID.test(id)) {
      throw new TypeError('an answer id is 1-64 of A-Z a-z 0-9 . _ -');
    }
    const answer = new AiAnswer(this, peer, id, 0, '', prompt);
    // Throws when there is no link to the peer at all: nothing is kept then.
    const sent = this.client.send('ai-stream', JSON.stringify({ type: 'prompt', id, prompt }), { to: [peer] });
    if (sent) {
      this.answers.set(answerKey(peer, id), answer);
      this._save();
    } else {
      answer._fail(new AiError('queue-full', 'the link to the bot has no room for the prompt now'));
    }
    return answer;
  }

  /** Asks `peer` for the rest of every unfinished answer of its (called when its link is up). */
  resume(peer) {
    for (const a of this.answers.values()) {
      if (a.peer === peer) {
        this._send(peer, { type: 'resume', id: a.id, from: a.next });
      }
    }
  }

  /** Writes what is not written yet and stops listening to the client. */
  close() {
    if (this._saveTimer !== null) {
      this._save();
    }
    openWithStorage.delete(this);
    this.client.removeEventListener('message', this._onMessage);
    this.client.removeEventListener('state', this._onState);
    if (typeof globalThis.removeEventListener === 'function') {
      globalThis.removeEventListener('pagehide', this._onPageHide);
    }
  }

  _send(peer, message) {
    try {
      return this.client.send('ai-stream', JSON.stringify(message), { to: [peer] });
    } catch {
      // No link to the bot now: the answer resumes when it comes back.
      return true;
    }
  }

  _receive(from, data) {
    let m;
    try {
      m = JSON.parse(decoder.decode(data));
    } catch {
      return;
    }
    if (m === null || typeof m !== 'object' || typeof m.id !== 'string') {
      return;
    }
    const key = answerKey(from, m.id);
    const answer = this.answers.get(key);
    if (!answer) {
      return;
    }
    if (m.type === 'error' && typeof m.n !== 'number') {
      // A refusal: of the prompt itself (busy, too large...) or of a resume the bot no longer can serve.
      this._forget(key);
      answer._fail(new AiError(m.code, m.message));
      this._save();
    } else if (m.n === answer.next) {
      if (answer._piece(m)) {
        this._forget(key);
        this._save();
      } else {
        this._saveSoon();
      }
    } else if (m.n > answer.next && answer._askedFrom !== answer.next) {
      // A gap (pieces the bot sent before a resume overlapping ours): ask for what is missing, once per gap.
      answer._askedFrom = answer.next;
      this._send(from, { type: 'resume', id: m.id, from: answer.next });
    }
    // Below next: a piece already held (a hand-over offered twice, a resume overlapping): dropped.
  }

  /** An answer of ours ended: no longer pending, and its stored entry goes at the next write. */
  _forget(key) {
    this.answers.delete(key);
    if (this.storage) {
      this._ended.add(key);
    }
  }

  _load() {
    if (!this.storage) {
      return [];
    }
    try {
      const saved = JSON.parse(this.storage.getItem(this.key) ?? '[]');
      return Array.isArray(saved) ? saved.filter((s) => s && typeof s.peer === 'string' && ID.test(s.id)
        && Number.isInteger(s.next) && s.next >= 0 && typeof s.text === 'string'
        && (s.prompt === undefined || typeof s.prompt === 'string')) : [];
    } catch {
      return [];
    }
  }

  /**
   * Writes every entry; false when the storage refused (full, or not allowed). The first failure goes to the
   * client's `error` event (not fatal); the next write tries again, and one that succeeds re-arms the report.
   */
  _write() {
    try {
      this.storage.setItem(this.key, JSON.stringify([...this._othersEntries(), ...this.pending().map((a) => ({
        peer: a.peer, id: a.id, prompt: a.prompt, next: a.next, text: a.text }))]));
      this._storageFailing = false;
      return true;
    } catch (e) {
      if (!this._storageFailing) {
        this._storageFailing = true;
        this.client._error(ErrorCode.STORAGE_FAILED, `AiAnswers cannot write ${this.key} (${e}): answers are `
          + 'not kept across a reload until a write succeeds');
      }
      return false;
    }
  }

  /** The stored entries that are not ours (another AiAnswers on this key wrote them): kept as they are. */
  _othersEntries() {
    return this._load().filter((s) => {
      const key = answerKey(s.peer, s.id);
      return !this.answers.has(key) && !this._ended.has(key);
    });
  }

  /** A piece arrived: write within `saveDelayMs` (each write holds every answer's whole text). */
  _saveSoon() {
    if (this.storage && this._saveTimer === null) {
      this._saveTimer = this._timers.setTimeout(() => this._save(), this._saveDelayMs);
    }
  }

  /** Writes now, and calls `onSave`; a write that fails is skipped (never thrown: answers go on streaming). */
  _save() {
    if (this._saveTimer !== null) {
      this._timers.clearTimeout(this._saveTimer);
      this._saveTimer = null;
    }
    if (!this.storage || !this._write()) {
      return;
    }
    this._ended.clear();
    if (this._onSaved) {
      try {
        this._onSaved();
      } catch (e) {
        console.error('peermesh: an AiAnswers onSave threw', e);
      }
    }
  }
}

/**
 * The answers of an {@link AiAnswers} as plain records a UI framework can hold as state (the React hook
 * `useAiAnswers` is built on it): every answer asked here or restored from `storage`, oldest first, as frozen
 * `{id, peer, prompt, text, state: 'streaming'|'done'|'error', finish, error: {code, message}|null}`. Changes are
 * handed to `onChange` as a new array (records that did not change are the same objects), at most every
 * `batchMs` however fast pieces arrive.
 */
export class AiAnswerList {
  /**
   * @param {import('./peermesh.js').PeerMeshClient|null} client null: every ask fails with `not-joined`
   * @param {object} [opts] `storage`, `key`, `saveDelayMs`, `timers` as for AiAnswers, and
   * @param {(answers: ReadonlyArray<object>) => void} [opts.onChange]
   * @param {number} [opts.batchMs] default 50
   */
  constructor(client, opts = {}) {
    this._onChange = opts.onChange ?? (() => {});
    this._batchMs = opts.batchMs ?? 50;
    this._timers = opts.timers ?? globalThis;
    this._timer = null;
    this._closed = false;
    /** id -> {answer, record, dirty} in asking order */
    this._items = new Map();
    this._list = Object.freeze([]);
    this.ai = client === null ? null : new AiAnswers(client, opts);
    for (const answer of this.ai?.pending() ?? []) {
      this._follow(answer);
    }
    this._list = this._build();
  }

  /** @returns {ReadonlyArray<object>} the records as last handed to onChange (or restored) */
  answers() {
    return this._list;
  }

  /**
   * Asks `peer`; never throws: an ask that cannot be sent (no link to that peer, not joined, a full queue) is
   * an answer in state 'error' with the client's code.
   * @returns {string} the answer's id
   */
  ask(peer, prompt) {
    const id = freshId('r');
    try {
      if (this.ai === null) {
        throw new AiError('not-joined', 'no client yet');
      }
      this._follow(this.ai.ask(peer, prompt, { id }));
    } catch (e) {
      const error = { code: e.code ?? 'error', message: e instanceof AiError ? plain(e) : e.message };
      this._items.set(id, { answer: null, record: record(id, peer, prompt, '', 'error', null, error), dirty: false });
      this._changed();
    }
    return id;
  }

  /** Asks the bot to stop answer `id`; it ends 'done' with finish 'cancelled'. False when it is not streaming. */
  cancel(id) {
    const item = this._items.get(id);
    if (!item || item.record.state !== 'streaming') {
      return false;
    }
    item.answer.cancel();
    return true;
  }

  /** Stops listening (and writes the answers to storage); onChange is not called any more. */
  close() {
    this._closed = true;
    if (this._timer !== null) {
      this._timers.clearTimeout(this._timer);
      this._timer = null;
    }
    this.ai?.close();
  }

  _follow(answer) {
    const item = { answer, record: null, dirty: true };
    this._items.set(answer.id, item);
    const changed = () => {
      item.dirty = true;
      this._changed();
    };
    answer.addEventListener('delta', changed);
    answer.addEventListener('end', changed);
    this._changed();
  }

  _changed() {
    if (!this._closed && this._timer === null) {
      this._timer = this._timers.setTimeout(() => {
        this._timer = null;
        this._list = this._build();
        this._onChange(this._list);
      }, this._batchMs);
    }
  }

  _build() {
    for (const item of this._items.values()) {
      if (item.dirty) {
        item.dirty = false;
        item.record = recordOf(item.answer);
      }
    }
    return Object.freeze([...this._items.values()].map((i) => i.record));
  }
}

function plain(error) {
  return error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message;
}

function record(id, peer, prompt, text, state, finish, error) {
  return Object.freeze({ id, peer, prompt, text, state, finish, error: error && Object.freeze(error) });
}

function recordOf(a) {
  return record(a.id, a.peer, a.prompt, a.text, a.error ? 'error' : a.finish !== null ? 'done' : 'streaming',
    a.finish, a.error ? { code: a.error.code, message: plain(a.error) } : null);
}
