/**
 * React binding of the PeerMesh client (no JSX, no build step; React >= 18 is a peer dependency).
 *
 * ```js
 * import React from 'react';
 * import { useP2PConnection, ConnectionStatus } from '@peermesh/react';
 *
 * function Editor() {
 *   const { state, attempt, path, peers, send, subscribe } = useP2PConnection('design-review', { token });
 *   React.useEffect(() => subscribe('code-sync', (data, { from }) => apply(from, data)), [subscribe]);
 *   return React.createElement(ConnectionStatus, { state, attempt, path });
 * }
 * ```
 * `useAiAnswers(client, options)` asks an AI bot of the room and renders its streamed answers.
 * @module use-peermesh
 */
import React from 'react';
import { AiAnswerList } from '../client/ai.js';
import { DISPLAY_STATES, PeerMeshClient, describeState, displayState, summarize } from '../client/peermesh.js';

const SENDERS = Object.freeze({ codeSync: 'code-sync', cursor: 'cursor-pos', aiStream: 'ai-stream', presence: 'presence' });

/**
 * Joins `room` for the lifetime of the component (a new client when room, url, peer or token change) and
 * follows every link.
 *
 * @param {string} room
 * @param {object} [options] PeerMeshClient options besides `room` (url, token, peer, iceServers, reconnect, ...)
 * @returns {{
 *   state: string,            // room summary, one of DISPLAY_STATES: connected | relay | alone | connecting |
 *                             //   reconnecting | offline | degraded | failed | closed (worst link wins)
 *   attempt: number,          // attempt number of that link's current recovery
 *   path: string|null,        // direct | relay | signaling
 *   peers: Array<object>,     // PeerInfo per remote peer (peer, state, attemptsInRecovery, path, reason, ...)
 *   error: Error|null,        // why connect() failed or the last fatal error
 *   send: {codeSync, cursor, aiStream, presence, files},
 *   subscribe: (channel: string, handler: Function) => () => void,
 *   client: PeerMeshClient|null,
 * }}
 *   `send.codeSync(data, {to})` etc. return true when queued for every addressed peer, false when not joined
 *   yet, closed, or a bounded queue refused (misuse such as a too-large message still throws);
 *   `send.files(file, {to, chunkSize, onProgress})` is PeerMeshClient#sendFile.
 *   `subscribe(channel, handler)`: handler(data: Uint8Array, detail) for each message on the channel; for
 *   'files', handler(file) for each received file ({from, name, size, sha256, ok, blob}). Returns the
 *   unsubscribe function; subscriptions survive client re-creation.
 */
export function useP2PConnection(room, options = {}) {
  const { url, peer, token } = options;
  const optionsRef = React.useRef(options);
  optionsRef.current = options;
  const clientRef = React.useRef(null);
  const handlersRef = React.useRef(new Map());
  const [client, setClient] = React.useState(null);
  const [snapshot, setSnapshot] = React.useState({ state: 'connecting', attempt: 0, path: null, peers: [], error: null });

  React.useEffect(() => {
    let c;
    try {
      c = new PeerMeshClient({ ...optionsRef.current, room });
    } catch (error) {
      setSnapshot({ state: 'failed', attempt: 0, path: null, peers: [], error });
      return undefined;
    }
    clientRef.current = c;
    setClient(c);
    let error = null;
    const refresh = () => {
      const peers = c.peers();
      setSnapshot({ ...summarize(peers, c.signalingState), peers, error });
    };
    const dispatch = (channel, ...args) => {
      for (const handler of handlersRef.current.get(channel) ?? []) {
        try {
          handler(...args);
        } catch (e) {
          console.error(`peermesh: a ${channel} subscriber threw`, e);
        }
      }
    };
    const onMessage = (e) => dispatch(e.detail.channel, e.detail.data, e.detail);
    const onFile = (e) => dispatch('files', e.detail);
    const onError = (e) => {
      if (e.detail.fatal) {
        error = Object.assign(new Error(e.detail.message), { code: e.detail.code });
        refresh();
      }
    };
    const events = [['peers', refresh], ['signaling', refresh], ['closed', refresh], ['message', onMessage],
      ['file', onFile], ['error', onError]];
    for (const [type, fn] of events) {
      c.addEventListener(type, fn);
    }
    c.connect().then(refresh, (e) => {
      error = e;
      refresh();
    });
    return () => {
      for (const [type, fn] of events) {
        c.removeEventListener(type, fn);
      }
      c.close();
      if (clientRef.current === c) {
        clientRef.current = null;
      }
    };
  }, [room, url, peer, token]);

  const subscribe = React.useCallback((channel, handler) => {
    const map = handlersRef.current;
    if (!map.has(channel)) {
      map.set(channel, new Set());
    }
    map.get(channel).add(handler);
    return () => map.get(channel)?.delete(handler);
  }, []);

  const send = React.useMemo(() => {
    const out = {};
    for (const [name, channel] of Object.entries(SENDERS)) {
      out[name] = (data, opts) => {
        const c = clientRef.current;
        try {
          return c !== null && c.send(channel, data, opts);
        } catch (e) {
          if (e.code === 'not-joined' || e.code === 'closed' || e.code === 'failed') {
            return false;
          }
          throw e;
        }
      };
    }
    out.files = (file, opts) => (clientRef.current === null
      ? Promise.reject(Object.assign(new Error('not connected'), { code: 'not-joined' }))
      : clientRef.current.sendFile(file, opts));
    return Object.freeze(out);
  }, []);

  return { ...snapshot, send, subscribe, client };
}

const NO_ANSWERS = Object.freeze([]);

/**
 * Answers of the room's AI bots (docs/AI.md), as state to render: asked here, streamed in numbered pieces
 * (each once, in order), resumed when the bot's link comes back, and, with `storage`, across a reload.
 *
 * ```js
 * const { client } = useP2PConnection(room, { peer });
 * const { answers, ask, cancel } = useAiAnswers(client, { storage: sessionStorage });
 * const last = answers.at(-1);
 * // <button onClick={() => ask('ai-assistant-' + room, prompt)}>, then last.text, last.state, last.error?.code
 * ```
 *
 * @param {PeerMeshClient|null} client `useP2PConnection(...).client`; a new one starts a new list
 * @param {object} [options]
 * @param {Storage} [options.storage] keep unfinished answers (prompt, text, piece expected next) across a
 *     reload; the bot resumes them once its link is up. Finished answers are not kept
 * @param {string} [options.key] storage key; default `peermesh.ai.<room>.<peer option>` (a page that picks a
 *     random peer id per load never finds its answers again: the relay serves a resume only to the same peer)
 * @param {number} [options.batchMs] at most one state update per `batchMs` (default 50) while pieces arrive
 * @returns {{
 *   answers: ReadonlyArray<{id: string, peer: string, prompt: string, text: string,
 *     state: 'streaming'|'done'|'error', finish: string|null, error: {code: string, message: string}|null}>,
 *   ask: (botPeer: string, prompt: string) => string|null,
 *   cancel: (id: string) => boolean,
 * }}
 *   `answers`: oldest first, a new array on each change (unchanged records stay the same objects); `finish`
 *   is the bot's reason (`stop`, `length`, `cancelled`) once done; `error.code` one of docs/AI.md
 *   (`ai-backend-error`, `ai-busy`, ...) or the client's (`unknown-peer` when the bot is not in the room,
 *   `not-joined`, `queue-full`). `ask` returns the new answer's id (null before the first effect ran) and
 *   never throws: an ask that could not be sent is an answer in state 'error'. `cancel(id)` asks the bot to
 *   stop; false when that answer is not streaming. Listeners and timers end with the client or the component.
 */
export function useAiAnswers(client, options = {}) {
  const { storage = null, batchMs } = options;
  const key = options.key ?? (client === null ? null
    : ['peermesh.ai', client.room, client.requestedPeer].filter((p) => p != null).join('.'));
  const [answers, setAnswers] = React.useState(NO_ANSWERS);
  const listRef = React.useRef(null);

  React.useEffect(() => {
    const list = new AiAnswerList(client, { storage: storage ?? undefined, key, batchMs, onChange: setAnswers });
    listRef.current = list;
    setAnswers(list.answers());
    return () => {
      list.close();
      if (listRef.current === list) {
        listRef.current = null;
      }
    };
  }, [client, storage, key, batchMs]);

  const ask = React.useCallback((peer, prompt) => (listRef.current === null ? null : listRef.current.ask(peer, prompt)), []);
  const cancel = React.useCallback((id) => listRef.current !== null && listRef.current.cancel(id), []);
  return { answers, ask, cancel };
}

/**
 * Shows a connection state: "connected", "reconnecting (attempt n)", "relay", "degraded (via signaling)",
 * "failed" (also "connecting", "alone in the room", "signaling offline, reconnecting", "closed").
 * @param {{state: string, attempt?: number, path?: string|null, className?: string}} props `state` is a
 *     display state (useP2PConnection().state) or a raw link state (PeerInfo.state, e.g. 'ice-restarting')
 */
export function ConnectionStatus({ state, attempt = 0, path = null, className }) {
  const shown = DISPLAY_STATES.includes(state) ? state : displayState({ state, path });
  return React.createElement('span', {
    className: ['peermesh-status', `peermesh-status--${shown}`, className].filter(Boolean).join(' '),
    role: 'status',
    'aria-live': 'polite',
    'data-testid': 'connection-status',
    'data-state': shown,
    'data-attempt': attempt,
  }, describeState(shown, attempt, path));
}

export { DISPLAY_STATES, describeState, displayState, summarize };
