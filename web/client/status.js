/**
 * What to show a user about links: the eleven machine states folded into a few display states, and one
 * summary for the whole room. Shared by the demo page and the React hook.
 * @module status
 */

/**
 * Display states, mildest first.
 * - connected: data flows over a direct (or STUN) connection
 * - relay: data flows over a TURN relay-only connection
 * - connecting: first connection attempt
 * - reconnecting: a recovery is running (disconnected, ice-restarting, backoff, relay-only, reconnecting)
 * - degraded: no WebRTC; messages travel over signaling while probes try to get it back
 * - failed: recovery gave up
 * - alone: joined, nobody else in the room
 * - offline: the signaling socket is away (reconnecting)
 * - closed
 */
export const DISPLAY_STATES = Object.freeze(['connected', 'relay', 'alone', 'connecting', 'reconnecting', 'offline',
  'degraded', 'failed', 'closed']);

const SEVERITY = new Map(DISPLAY_STATES.map((s, i) => [s, i]));

/**
 * @param {{state:string, path?:string}} info a PeerInfo (or anything with state and path)
 * @returns {string} one of DISPLAY_STATES
 */
export function displayState(info) {
  switch (info.state) {
    case 'connected':
      return info.path === 'relay' ? 'relay' : 'connected';
    case 'idle':
    case 'connecting':
      return 'connecting';
    case 'degraded':
    case 'failed':
    case 'closed':
      return info.state;
    default:
      return 'reconnecting';
  }
}

/**
 * The room's state as one value: the worst link wins; `attempt` is that link's attempt number in its
 * current recovery.
 * @param {Array<{state:string, path:string, attemptsInRecovery:number}>} peers PeerMeshClient#peers()
 * @param {string} signalingState PeerMeshClient#signalingState
 * @returns {{state:string, attempt:number, path:string|null, peers:number}}
 */
export function summarize(peers, signalingState) {
  if (signalingState === 'closed') {
    return { state: 'closed', attempt: 0, path: null, peers: peers.length };
  }
  if (signalingState !== 'open') {
    return { state: signalingState === 'reconnecting' ? 'offline' : 'connecting', attempt: 0, path: null,
      peers: peers.length };
  }
  let worst = { state: 'alone', attempt: 0, path: null, peers: peers.length };
  for (const p of peers) {
    const state = displayState(p);
    if (state === 'closed') {
      continue;
    }
    if (worst.state === 'alone' || SEVERITY.get(state) > SEVERITY.get(worst.state)) {
      worst = { state, attempt: p.attemptsInRecovery ?? 0, path: p.path ?? null, peers: peers.length };
    }
  }
  return worst;
}

/**
 * Human text for a display state: "connected", "reconnecting (attempt 2)", "relay", "degraded", "failed".
 * @param {string} state one of DISPLAY_STATES
 * @param {number} [attempt]
 * @param {string|null} [path]
 */
export function describeState(state, attempt = 0, path = null) {
  switch (state) {
    case 'connected': return path === 'relay' ? 'relay' : 'connected';
    case 'relay': return 'relay';
    case 'reconnecting': return attempt > 0 ? `reconnecting (attempt ${attempt})` : 'reconnecting';
    case 'degraded': return 'degraded (via signaling)';
    case 'failed': return 'failed';
    case 'alone': return 'alone in the room';
    case 'offline': return 'signaling offline, reconnecting';
    case 'connecting': return 'connecting';
    default: return state;
  }
}
