/**
 * Asking an AI bot on `ai-stream` (protocol in docs/AI.md): numbered answer pieces, each kept once and in
 * order; when the link to the bot comes back (a new connection, a reloaded page with `storage`) every
 * unfinished answer is resumed from the piece held.
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
 * rejects with an AiError. `text` holds what has arrived.
 */
export class AiAnswer extends EventTarget {
  constructor(owner, peer, id, next = 0, text = '') {
    super();
    this.owner = owner;
    this.peer = peer;
    this.id = id;
    /** The piece expected next (pieces 0..next-1 are held). */
    this.next = next;
    this.text = text;
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
      this.dispatchEvent(new CustomEvent('end', { detail: { finish: m.finish } }));
      this._resolve({ text: this.text, finish: m.finish });
    } else {
      this._fail(new AiError(m.code, m.message));
    }
    return true;
  }

  _fail(error) {
    this.dispatchEvent(new CustomEvent('end', { detail: { error } }));
    this._reject(error);
  }
}

/** The answers a client is waiting for, from any number of AI bots. */
export class AiAnswers {
  /**
   * @param {import('./peermesh.js').PeerMeshClient} client
   * @param {{storage?: Storage, key?: string}} [opts] with `storage`, unfinished answers (and their text)
   *     survive a reload and are resumed once the bot's link is up
   */
  constructor(client, opts = {}) {
    this.client = client;
    this.storage = opts.storage ?? null;
    this.key = opts.key ?? 'peermesh.ai';
    /** `${peer} ${id}` -> AiAnswer */
    this.answers = new Map();
    this._counter = 0;
    for (const saved of this._load()) {
      this.answers.set(`${saved.peer} ${saved.id}`, new AiAnswer(this, saved.peer, saved.id, saved.next, saved.text));
    }
    this._onMessage = (e) => {
      if (e.detail.channel === 'ai-stream') {
        this._receive(e.detail.from, e.detail.data);
      }
    };
    this._onState = (e) => {
      if (e.detail.to === 'connected') {
        this.resume(e.detail.peer);
      }
    };
    client.addEventListener('message', this._onMessage);
    client.addEventListener('state', this._onState);
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
    const id = opts.id ?? `a${Date.now().toString(36)}${(this._counter++).toString(36)}`;
    if (!ID.test(id)) {
      throw new TypeError('an answer id is 1-64 of A-Z a-z 0-9 . _ -');
    }
    const answer = new AiAnswer(this, peer, id);
    // Throws when there is no link to the peer at all: nothing is kept then.
    const sent = this.client.send('ai-stream', JSON.stringify({ type: 'prompt', id, prompt }), { to: [peer] });
    this.answers.set(`${peer} ${id}`, answer);
    this._save();
    if (!sent) {
      this.answers.delete(`${peer} ${id}`);
      this._save();
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

  /** Stops listening to the client. */
  close() {
    this.client.removeEventListener('message', this._onMessage);
    this.client.removeEventListener('state', this._onState);
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
    const key = `${from} ${m.id}`;
    const answer = this.answers.get(key);
    if (!answer) {
      return;
    }
    if (m.type === 'error' && typeof m.n !== 'number') {
      // A refusal: of the prompt itself (busy, too large...) or of a resume the bot no longer can serve.
      this.answers.delete(key);
      answer._fail(new AiError(m.code, m.message));
    } else if (m.n === answer.next) {
      if (answer._piece(m)) {
        this.answers.delete(key);
      }
    } else if (m.n > answer.next && answer._askedFrom !== answer.next) {
      // A gap (pieces the bot sent before a resume overlapping ours): ask for what is missing, once per gap.
      answer._askedFrom = answer.next;
      this._send(from, { type: 'resume', id: m.id, from: answer.next });
    }
    // Below next: a piece already held (a hand-over offered twice, a resume overlapping): dropped.
    this._save();
  }

  _load() {
    if (!this.storage) {
      return [];
    }
    try {
      const saved = JSON.parse(this.storage.getItem(this.key) ?? '[]');
      return Array.isArray(saved) ? saved.filter((s) => s && typeof s.peer === 'string' && ID.test(s.id)
        && Number.isInteger(s.next) && s.next >= 0 && typeof s.text === 'string') : [];
    } catch {
      return [];
    }
  }

  _save() {
    this.storage?.setItem(this.key, JSON.stringify(this.pending().map((a) => ({ peer: a.peer, id: a.id,
      next: a.next, text: a.text }))));
  }
}
