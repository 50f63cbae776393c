/**
 * Live table of every supervised connection on the cluster: polls GET status.json once a second (an array of
 * {connection, room, peer, remote, state, attempt, reason, path, channels: {label: {messagesIn, bytesIn,
 * messagesOut, bytesOut, buffered}}, candidatePair: 'local/remote' types, candidateType: host|srflx|prflx|relay})
 * and updates rows in place, keyed by connection.
 * Malformed rows are skipped and counted; a failed poll keeps the last table and shows the error.
 */
import { displayState } from './client/status.js';

const POLL_MS = 1000;
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const rows = new Map();
let inFlight = false;

function text(value) {
  return value === null || value === undefined ? '' : String(value);
}

function bytes(n) {
  if (!Number.isFinite(n)) {
    return '-';
  }
  if (n < 1024) {
    return `${n}B`;
  }
  return n < 1048576 ? `${(n / 1024).toFixed(1)}K` : `${(n / 1048576).toFixed(1)}M`;
}

function channelsText(channels) {
  if (!channels || typeof channels !== 'object') {
    return '';
  }
  return Object.entries(channels).map(([label, c]) => {
    const s = c && typeof c === 'object' ? c : {};
    return `${label.padEnd(10)} ${text(s.messagesIn)}/${bytes(s.bytesIn)}  ${text(s.messagesOut)}/${bytes(s.bytesOut)}  ${bytes(s.buffered)}`;
  }).join('\n');
}

function valid(row) {
  return row !== null && typeof row === 'object' && typeof row.connection === 'string' && row.connection !== ''
    && typeof row.state === 'string';
}

function cell(cls) {
  const td = document.createElement('td');
  if (cls) {
    td.className = cls;
  }
  return td;
}

function createRow(connection) {
  const tr = document.createElement('tr');
  tr.setAttribute('data-testid', 'status-row');
  tr.dataset.connection = connection;
  const cells = {
    connection: cell(), room: cell(), peer: cell(), remote: cell(), state: cell(), attempt: cell('num'),
    path: cell(), candidatePair: cell(), channels: cell('channels'), reason: cell('reason'),
  };
  for (const [name, td] of Object.entries(cells)) {
    td.setAttribute('data-testid', `status-${name}`);
    tr.append(td);
  }
  return { tr, cells };
}

function update(row) {
  let entry = rows.get(row.connection);
  if (!entry) {
    entry = createRow(row.connection);
    rows.set(row.connection, entry);
  }
  const { tr, cells } = entry;
  for (const key of ['connection', 'room', 'peer', 'remote', 'state', 'attempt', 'path', 'reason']) {
    const value = text(row[key]);
    if (cells[key].textContent !== value) {
      cells[key].textContent = value;
    }
  }
  cells.candidatePair.textContent = row.candidatePair ? `${text(row.candidateType)} (${text(row.candidatePair)})` : '—';
  tr.dataset.candidateType = text(row.candidateType);
  cells.channels.textContent = channelsText(row.channels);
  tr.dataset.state = row.state;
  tr.dataset.room = text(row.room);
  tr.dataset.peer = text(row.peer);
  tr.dataset.remote = text(row.remote);
  cells.state.dataset.state = displayState({ state: row.state, path: row.path });
  return tr;
}

function render(list) {
  let skipped = 0;
  const seen = new Set();
  const ordered = [];
  for (const row of list) {
    if (!valid(row) || seen.has(row.connection)) {
      skipped++;
      continue;
    }
    seen.add(row.connection);
    ordered.push(row);
  }
  ordered.sort((a, b) => text(a.room).localeCompare(text(b.room)) || text(a.peer).localeCompare(text(b.peer))
    || a.connection.localeCompare(b.connection));
  for (const connection of [...rows.keys()]) {
    if (!seen.has(connection)) {
      rows.get(connection).tr.remove();
      rows.delete(connection);
    }
  }
  const body = $('status-rows');
  ordered.forEach((row, i) => {
    const tr = update(row);
    if (body.children[i] !== tr) {
      body.insertBefore(tr, body.children[i] ?? null);
    }
  });
  const states = {};
  for (const row of ordered) {
    states[row.state] = (states[row.state] ?? 0) + 1;
  }
  const summary = $('status-summary');
  summary.dataset.count = String(ordered.length);
  summary.textContent = `${ordered.length} connection${ordered.length === 1 ? '' : 's'}`
    + (ordered.length ? ` (${Object.entries(states).map(([s, n]) => `${n} ${s}`).join(', ')})` : '')
    + ` · updated ${new Date().toLocaleTimeString()}`
    + (skipped ? ` · ${skipped} malformed row(s) skipped` : '');
  $('status-empty').hidden = ordered.length > 0;
}

async function poll() {
  if (inFlight) {
    return;
  }
  inFlight = true;
  const abort = new AbortController();
  const timeout = setTimeout(() => abort.abort(), POLL_MS * 3);
  const error = $('status-error');
  try {
    const response = await fetch('./status.json', { cache: 'no-store', signal: abort.signal });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    const list = await response.json();
    if (!Array.isArray(list)) {
      throw new Error('status.json is not an array');
    }
    render(list);
    error.hidden = true;
  } catch (e) {
    error.hidden = false;
    error.textContent = `status.json: ${e.name === 'AbortError' ? 'timed out' : e.message} (showing the last data)`;
  } finally {
    clearTimeout(timeout);
    inFlight = false;
  }
}

poll();
setInterval(poll, POLL_MS);
