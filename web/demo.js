/**
 * PeerMesh demo page: shared editor (code-sync), live cursors (cursor-pos), presence list (presence),
 * file drop (files), AI prompts (ai-stream) and the state of every link. URL: /?room=demo&peer=alice
 * (optional &token=<JWT>, &signal=<ws url>). `window.peermesh` is the client, for tests.
 */
import { AiAnswers } from './client/ai.js';
import { PeerMeshClient, describeState, displayState, summarize } from './client/peermesh.js';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const decoder = new TextDecoder();

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) {
      node.setAttribute(key, String(value));
    }
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function parseJson(bytes) {
  try {
    const value = JSON.parse(decoder.decode(bytes));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function formatBytes(n) {
  if (n < 1024) {
    return `${n} B`;
  }
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// ---- joining ---------------------------------------------------------------------------------------------

const query = new URLSearchParams(location.search);
const room = NAME.test(query.get('room') ?? '') ? query.get('room') : 'demo';
const self = NAME.test(query.get('peer') ?? '') ? query.get('peer')
  : `user-${Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
// A page that ended without pagehide (a crash, a killed tab) resumes its session on the next load instead of
// waiting out the grace period (peer-id-in-use meanwhile); a normal reload leaves and joins afresh (below).
const resumeKey = `peermesh.resume.${room}.${self}`;
const client = new PeerMeshClient({
  url: query.get('signal') ?? undefined,
  room,
  peer: self,
  token: query.get('token') ?? undefined,
  resume: sessionStorage.getItem(resumeKey) ?? undefined,
  // ?relay=1: TURN relays only (the status indicator then shows the relay path).
  relayOnly: query.get('relay') === '1',
  // ?connect=relay-alice: link with these peers only, such as a routed server-side relay (docs/ROUTER.md).
  ...(query.get('connect') ? { connectTo: query.get('connect').split(',').filter((p) => NAME.test(p)) } : {}),
});
window.peermesh = client;

$('room').textContent = room;
$('self').textContent = self;

const log = (text) => {
  const list = $('log');
  list.prepend(el('li', {}, `${new Date().toLocaleTimeString()} ${text}`));
  while (list.children.length > 200) {
    list.lastChild.remove();
  }
};

// ---- status of the room and of every peer ----------------------------------------------------------------

/** Latest presence data per peer: {status, name}. */
const presence = new Map();

function renderStatus() {
  const peers = client.peers();
  const summary = summarize(peers, client.signalingState);
  const status = $('status');
  status.dataset.state = summary.state;
  status.dataset.attempt = String(summary.attempt);
  status.dataset.peers = String(peers.length);
  status.textContent = `${describeState(summary.state, summary.attempt, summary.path)} · ${peers.length} peer${peers.length === 1 ? '' : 's'}`;

  const list = $('peers');
  list.replaceChildren(...peers.map((p) => {
    const shown = displayState(p);
    const theirs = presence.get(p.peer);
    return el('li', { 'data-testid': `peer-${p.peer}`, 'data-peer': p.peer, 'data-state': p.state, 'data-path': p.path,
      'data-attempt': p.attemptsInRecovery },
    el('span', { class: 'name' }, p.peer),
    el('span', { class: 'badge', 'data-state': shown, 'data-testid': 'peer-state' },
      describeState(shown, p.attemptsInRecovery, p.path)),
    el('span', { class: 'detail' }, `${p.state} · path ${p.path} · attempt ${p.attemptsInRecovery}`
      + (theirs?.status ? ` · ${theirs.status}` : '')),
    p.state === 'failed' ? el('span', { class: 'detail', title: p.reason }, p.reason) : null);
  }));
  $('peers-empty').hidden = peers.length > 0;
  renderAiStatus();
}

client.addEventListener('peers', renderStatus);
client.addEventListener('signaling', (e) => {
  const s = $('signaling-status');
  s.dataset.state = e.detail.state;
  s.textContent = e.detail.state === 'open' ? '' : `signaling ${e.detail.state}`;
  renderStatus();
});
client.addEventListener('state', (e) => {
  const d = e.detail;
  log(`${d.peer}: ${d.from} → ${d.to} (${d.reason}; path ${d.path})`);
  if (d.to === 'connected' && d.from === 'connecting') {
    onPeerConnected(d.peer);
  }
});
client.addEventListener('peer-joined', (e) => log(`${e.detail.peer} joined`));
client.addEventListener('peer-left', (e) => {
  log(`${e.detail.peer} left (${e.detail.reason})`);
  presence.delete(e.detail.peer);
  cursors.delete(e.detail.peer);
  renderCursors();
});
client.addEventListener('error', (e) => log(`error ${e.detail.code}: ${e.detail.message}`));

// ---- shared editor (code-sync: JSON deltas {from, to, text}) ---------------------------------------------

const editor = $('editor');
/** The text as last sent or applied: local edits are diffed against it. */
let shared = '';
let editedLocally = false;

editor.addEventListener('input', () => {
  const now = editor.value;
  let start = 0;
  while (start < shared.length && start < now.length && shared[start] === now[start]) {
    start++;
  }
  let end = 0;
  while (end < shared.length - start && end < now.length - start
    && shared[shared.length - 1 - end] === now[now.length - 1 - end]) {
    end++;
  }
  const delta = { from: start, to: shared.length - end, text: now.slice(start, now.length - end) };
  shared = now;
  editedLocally = true;
  sendSafely('code-sync', JSON.stringify(delta));
  sendCursor();
});

function applyDelta(delta) {
  const text = editor.value;
  const from = Math.min(Math.max(0, delta.from), text.length);
  const to = delta.to === null ? text.length : Math.min(Math.max(from, delta.to), text.length);
  const { selectionStart, selectionEnd } = editor;
  const shift = (pos) => (pos >= to ? pos + delta.text.length - (to - from) : pos > from ? from + delta.text.length : pos);
  editor.value = text.slice(0, from) + delta.text + text.slice(to);
  shared = editor.value;
  editor.setSelectionRange(shift(selectionStart), shift(selectionEnd));
}

function onCodeSync(from, data) {
  const d = parseJson(data);
  if (!d || typeof d.text !== 'string' || !Number.isInteger(d.from) || !(Number.isInteger(d.to) || d.to === null)) {
    log(`ignored a malformed code-sync message from ${from}`);
    return;
  }
  if (d.snapshot === true) {
    // A newcomer takes the room's text; someone who already typed keeps theirs.
    if (!editedLocally && editor.value === '') {
      applyDelta({ from: 0, to: null, text: d.text });
    }
    return;
  }
  applyDelta(d);
}

function onPeerConnected(peer) {
  if (editor.value !== '') {
    sendSafely('code-sync', JSON.stringify({ from: 0, to: null, text: editor.value, snapshot: true }), peer);
  }
  sendPresence(peer);
  sendCursor();
}

// ---- live cursors (cursor-pos: latest wins) --------------------------------------------------------------

/** peer -> {line, col, pos} */
const cursors = new Map();
let cursorTimer = null;

function caret() {
  const pos = editor.selectionStart;
  const before = editor.value.slice(0, pos);
  const line = before.split('\n').length;
  return { pos, line, col: pos - before.lastIndexOf('\n') };
}

function sendCursor() {
  if (cursorTimer === null) {
    cursorTimer = setTimeout(() => {
      cursorTimer = null;
      sendSafely('cursor-pos', JSON.stringify(caret()));
    }, 50);
  }
}

for (const type of ['click', 'keyup', 'select', 'focus']) {
  editor.addEventListener(type, sendCursor);
}

function onCursor(from, data) {
  const c = parseJson(data);
  if (c && Number.isInteger(c.pos) && Number.isInteger(c.line) && Number.isInteger(c.col)) {
    cursors.set(from, c);
    renderCursors();
  }
}

function renderCursors() {
  $('cursors').replaceChildren(...[...cursors].map(([peer, c]) => el('li',
    { 'data-testid': `cursor-${peer}`, 'data-peer': peer, 'data-pos': c.pos },
    `${peer}: line ${c.line}, column ${c.col}`)));
}

// ---- presence (who is here and what they are doing) ------------------------------------------------------

function sendPresence(to) {
  sendSafely('presence', JSON.stringify({ name: self, status: document.hidden ? 'away' : 'active' }), to);
}

document.addEventListener('visibilitychange', () => sendPresence());
setInterval(() => sendPresence(), 15000);

function onPresence(from, data) {
  const p = parseJson(data);
  if (p && typeof p.status === 'string') {
    presence.set(from, { status: p.status.slice(0, 40), name: typeof p.name === 'string' ? p.name.slice(0, 64) : from });
    renderStatus();
  }
}

// ---- files ---------------------------------------------------------------------------------------------

const drop = $('file-drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  for (const file of e.dataTransfer?.files ?? []) {
    sendFile(file);
  }
});
$('file-input').addEventListener('change', (e) => {
  for (const file of e.target.files) {
    sendFile(file);
  }
  e.target.value = '';
});

async function sendFile(file) {
  const targets = client.peers().filter((p) => p.state !== 'failed').map((p) => p.peer);
  const item = el('li', { 'data-testid': 'sent-file', 'data-name': file.name }, `${file.name} (${formatBytes(file.size)})`);
  $('sent-files').prepend(item);
  if (targets.length === 0) {
    item.append(el('div', { class: 'result' }, ' – nobody to send to'));
    return;
  }
  const bars = new Map(targets.map((peer) => {
    const bar = el('progress', { max: file.size || 1, value: 0 });
    const row = el('div', { 'data-peer': peer }, `${peer} `, bar, el('span', { class: 'result' }));
    item.append(row);
    return [peer, { bar, row }];
  }));
  try {
    const results = await client.sendFile(file, {
      to: targets,
      onProgress: (p) => {
        const b = bars.get(p.peer);
        if (b) {
          b.bar.value = p.transferred;
        }
      },
    });
    for (const [peer, r] of Object.entries(results)) {
      const b = bars.get(peer);
      b.row.dataset.ok = String(r.ok);
      b.row.querySelector('.result').textContent = r.ok ? ' ✓ checksum verified' : ` ✗ ${r.error?.code ?? 'failed'}`;
    }
  } catch (e) {
    item.append(el('div', { class: 'result' }, ` – ${e.code ?? 'error'}: ${e.message}`));
  }
}

/** Incoming transfers: id -> list item. */
const incoming = new Map();

client.addEventListener('file-progress', (e) => {
  const p = e.detail;
  if (p.direction !== 'in') {
    return;
  }
  let item = incoming.get(p.id);
  if (!item) {
    item = el('li', { 'data-testid': 'incoming-file', 'data-name': p.name, 'data-from': p.from },
      `${p.name} from ${p.from} (${formatBytes(p.size)}) `, el('progress', { max: p.size || 1, value: 0 }));
    incoming.set(p.id, item);
    $('received-files').prepend(item);
  }
  item.querySelector('progress').value = p.transferred;
});

client.addEventListener('file', (e) => {
  const f = e.detail;
  const old = incoming.get(f.id);
  incoming.delete(f.id);
  const item = el('li', {
    'data-testid': 'received-file', 'data-name': f.name, 'data-size': f.size, 'data-from': f.from,
    'data-sha256': f.actualSha256, 'data-ok': String(f.ok),
  },
  f.ok && f.blob ? el('a', { href: URL.createObjectURL(f.blob), download: f.name }, f.name) : f.name,
  ` from ${f.from} (${formatBytes(f.size)}) `,
  el('span', { class: 'result' }, f.ok ? '✓ SHA-256 verified' : '✗ checksum mismatch'),
  el('div', { class: 'sha' }, f.actualSha256));
  if (old) {
    old.replaceWith(item);
  } else {
    $('received-files').prepend(item);
  }
  log(`received ${f.name} from ${f.from}: ${f.ok ? 'ok' : 'checksum mismatch'}`);
});

// ---- AI prompts (ai-stream to peers named ai-*) -----------------------------------------------------------

const aiPeers = () => client.peers().filter((p) => p.peer.startsWith('ai-') && p.state !== 'failed').map((p) => p.peer);

function renderAiStatus() {
  const ai = aiPeers();
  $('ai-status').textContent = ai.length === 0
    ? 'No AI peer is in this room (AI peers have ids starting with "ai-").'
    : `Prompts go to ${ai.join(', ')}.`;
  $('ai-status').dataset.available = String(ai.length > 0);
  $('ai-send').disabled = ai.length === 0;
}

// The output is kept in sessionStorage, and so are unfinished answers (by AiAnswers): a reloaded page shows what
// it had and the bot resumes each answer from the piece held once its link is up again (docs/AI.md). The output
// is written whenever AiAnswers writes (at most every 250 ms while pieces arrive, and on pagehide), so both hold
// the same pieces.
const aiKey = `peermesh.ai.${room}.${self}`;
$('ai-output').textContent = sessionStorage.getItem(`${aiKey}.output`) ?? '';
const ai = new AiAnswers(client, { storage: sessionStorage, key: `${aiKey}.answers`,
  onSave: () => sessionStorage.setItem(`${aiKey}.output`, $('ai-output').textContent) });

function aiWrite(text) {
  const out = $('ai-output');
  out.textContent += text;
  out.scrollTop = out.scrollHeight;
}

/** Streams an answer into the output box. */
function show(answer) {
  answer.addEventListener('delta', (e) => aiWrite(e.detail.text));
  answer.addEventListener('end', (e) => {
    const { finish, error } = e.detail;
    aiWrite(error ? `\n[${answer.peer}: ${error.code}: ${error.message.slice(error.code.length + 2)}]\n`
      : `\n[${answer.peer} ${finish === 'stop' ? 'done' : finish}]\n`);
  });
}
ai.pending().forEach(show);

$('ai-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const prompt = $('ai-prompt').value.trim();
  const peers = aiPeers();
  if (!prompt) {
    return;
  }
  if (peers.length === 0) {
    renderAiStatus();
    return;
  }
  aiWrite(`${$('ai-output').textContent ? '\n\n' : ''}> ${prompt}\n`);
  for (const peer of peers) {
    try {
      show(ai.ask(peer, prompt));
    } catch (err) {
      log(`could not ask ${peer}: ${err.message}`);
    }
  }
  $('ai-prompt').value = '';
});

// ---- wiring --------------------------------------------------------------------------------------------

const handlers = { 'code-sync': onCodeSync, 'cursor-pos': onCursor, presence: onPresence };

client.addEventListener('message', (e) => {
  const { from, channel, data } = e.detail;
  try {
    handlers[channel]?.(from, data);
  } catch (err) {
    log(`could not handle a ${channel} message from ${from}: ${err.message}`);
  }
});

/** Sends, logging refusals instead of throwing (a full queue is back-pressure, not a bug). */
function sendSafely(channel, data, to) {
  try {
    if (client.peers().length === 0 && to === undefined) {
      return true;
    }
    const ok = client.send(channel, data, to === undefined ? {} : { to });
    if (!ok) {
      log(`${channel}: a peer's queue is full; message not queued for it`);
    }
    return ok;
  } catch (e) {
    if (e.code !== 'not-joined') {
      log(`${channel}: ${e.code}: ${e.message}`);
    }
    return false;
  }
}

renderStatus();
client.addEventListener('joined', () => sessionStorage.setItem(resumeKey, client.resumeToken));
client.connect().then(
  (joined) => log(`${joined.resumed ? 'resumed' : 'joined'} ${joined.room} as ${joined.peer} with ${joined.peers.length} other peer(s)`),
  (e) => {
    log(`could not join: ${e.code}: ${e.message}`);
    const status = $('status');
    status.dataset.state = 'failed';
    status.textContent = `could not join: ${e.code}`;
  },
);
window.addEventListener('pagehide', (e) => {
  if (!e.persisted) {
    // Leaving for good (not a reload kept in the back/forward cache): the session ends now.
    sessionStorage.removeItem(resumeKey);
    client.close();
  }
});
