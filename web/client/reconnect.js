/**
 * The reconnection state machine, a faithful port of shared/.../reconnect (ReconnectConfig, BackoffPolicy,
 * ReconnectStateMachine, ReconnectController), so a browser climbs the same recovery ladder as a
 * server-side peer:
 *
 *   connected --loss--> disconnected (graceDelayMs) --> ice-restarting (iceRestartAttempts, 0 by default)
 *     --> reconnecting (newConnectionAttempts) --> relay-only (relayAttempts, only with TURN)
 *     --> degraded (frames over signaling, probes after probeIntervalMs, doubling up to probeMaxIntervalMs)
 *     or failed
 *
 * Failed attempts wait in `backoff` (exponential, full jitter, capped); the stop rule (maxAttempts,
 * maxElapsedMs) ends in `failed`. The machine is pure: `apply(state, event, now)` returns the next state and
 * the effects to execute; it never touches timers or WebRTC.
 * @module reconnect
 */
import { PeerMeshError, ErrorCode } from './errors.js';

/** State names, as they travel in `state` messages. */
export const State = Object.freeze({
  IDLE: 'idle',
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  DISCONNECTED: 'disconnected',
  ICE_RESTARTING: 'ice-restarting',
  BACKOFF: 'backoff',
  RELAY_ONLY: 'relay-only',
  RECONNECTING: 'reconnecting',
  DEGRADED: 'degraded',
  FAILED: 'failed',
  CLOSED: 'closed',
});

/** True for failed and closed. */
export function isTerminal(state) {
  return state === State.FAILED || state === State.CLOSED;
}

/** True when messages are delivered right now (connected, or degraded via signaling). */
export function isUsable(state) {
  return state === State.CONNECTED || state === State.DEGRADED;
}

/** True while working at getting WebRTC back after a loss (degraded included). */
export function isRecovering(state) {
  return [State.DISCONNECTED, State.ICE_RESTARTING, State.BACKOFF, State.RELAY_ONLY, State.RECONNECTING,
    State.DEGRADED].includes(state);
}

/** ReconnectConfig defaults (conf/peermesh.json `supervisor.reconnect`). */
export const RECONNECT_DEFAULTS = Object.freeze({
  graceDelayMs: 2000,
  iceRestartTimeoutMs: 5000,
  /** 0: a restart keeps the SCTP association, whose retransmission timer backed off during the cut. */
  iceRestartAttempts: 0,
  relayAttempts: 2,
  relayAvailable: false,
  newConnectionAttempts: 2,
  degradedAllowed: true,
  probeIntervalMs: 10000,
  /** Probes double from probeIntervalMs up to this (as the supervisor: every probe is a new peer connection). */
  probeMaxIntervalMs: 300000,
  connectTimeoutMs: 10000,
  backoffBaseMs: 250,
  backoffCapMs: 10000,
  backoffMultiplier: 2.0,
  maxAttempts: 12,
  maxElapsedMs: 120000,
});

/** The wait after `failedProbes` failed probes: probeIntervalMs doubled per failure, capped. */
export function probeDelay(config, failedProbes) {
  let delay = config.probeIntervalMs;
  for (let i = 0; i < failedProbes && delay < config.probeMaxIntervalMs; i++) {
    delay = Math.min(config.probeMaxIntervalMs, delay * 2);
  }
  return delay;
}

const BOOLEAN_KEYS = new Set(['relayAvailable', 'degradedAllowed']);

/**
 * Validates and completes a reconnect config exactly like ReconnectConfig.fromMap: unknown keys are
 * rejected, absent keys take the defaults.
 * @param {Partial<typeof RECONNECT_DEFAULTS>} [overrides]
 * @returns {Readonly<typeof RECONNECT_DEFAULTS>}
 * @throws {PeerMeshError} bad-config
 */
export function reconnectConfig(overrides = {}) {
  const bad = (message) => new PeerMeshError(ErrorCode.BAD_CONFIG, `reconnect: ${message}`);
  if (overrides === null || typeof overrides !== 'object') {
    throw bad('must be an object');
  }
  const c = { ...RECONNECT_DEFAULTS };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in RECONNECT_DEFAULTS)) {
      throw bad(`unknown key ${key}`);
    }
    if (BOOLEAN_KEYS.has(key)) {
      if (typeof value !== 'boolean') {
        throw bad(`${key} must be true or false, was ${value}`);
      }
    } else if (typeof value !== 'number' || !Number.isFinite(value)
        || (key !== 'backoffMultiplier' && !Number.isInteger(value))) {
      throw bad(`${key} must be a ${key === 'backoffMultiplier' ? 'finite number' : 'whole number'}, was ${value}`);
    }
    c[key] = value;
  }
  const atLeast = (key, min) => {
    if (c[key] < min) {
      throw bad(`${key} must be >= ${min}, was ${c[key]}`);
    }
  };
  atLeast('graceDelayMs', 0);
  atLeast('iceRestartTimeoutMs', 1);
  atLeast('iceRestartAttempts', 0);
  atLeast('relayAttempts', 0);
  atLeast('newConnectionAttempts', 0);
  atLeast('probeIntervalMs', 1);
  atLeast('probeMaxIntervalMs', c.probeIntervalMs);
  atLeast('connectTimeoutMs', 1);
  atLeast('backoffBaseMs', 1);
  atLeast('backoffCapMs', c.backoffBaseMs);
  atLeast('backoffMultiplier', 1);
  atLeast('maxAttempts', 0);
  atLeast('maxElapsedMs', 0);
  if (c.maxAttempts === 0 && c.maxElapsedMs === 0) {
    throw bad('maxAttempts and maxElapsedMs cannot both be 0 (unlimited)');
  }
  return Object.freeze(c);
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Exponential backoff with full jitter plus the stop rule (BackoffPolicy.java). */
export class BackoffPolicy {
  constructor(config, random = Math.random) {
    this.config = config;
    this.random = random;
  }

  /** Largest delay attempt `n` (1-based) can get. */
  ceiling(n) {
    return Math.min(this.config.backoffCapMs, this.config.backoffBaseMs * this.config.backoffMultiplier ** (n - 1));
  }

  /** A jittered delay for attempt `n`: uniform in [0, ceiling(n)), whole milliseconds. */
  delay(n) {
    const r = this.random();
    if (!(r >= 0 && r < 1)) {
      throw new Error(`random source returned ${r}, expected a value in [0, 1)`);
    }
    return Math.round(r * this.ceiling(n));
  }

  /** @returns {{retry:number}|{stop:string}} what follows a failed attempt */
  next(attemptsSoFar, elapsedMs) {
    const spent = `gave up after ${attemptsSoFar} attempts in ${seconds(elapsedMs)}`;
    if (this.config.maxAttempts > 0 && attemptsSoFar >= this.config.maxAttempts) {
      return { stop: `${spent} (maxAttempts=${this.config.maxAttempts})` };
    }
    if (this.config.maxElapsedMs > 0 && elapsedMs >= this.config.maxElapsedMs) {
      return { stop: `${spent} (maxElapsedMs=${this.config.maxElapsedMs})` };
    }
    return { retry: this.delay(attemptsSoFar) };
  }
}

/** Rungs of the ladder (LadderStep.java). */
const Step = Object.freeze({
  NONE: 'none', INITIAL_CONNECT: 'initial-connect', ICE_RESTART: 'ice-restart', RELAY_ONLY: 'relay-only',
  NEW_CONNECTION: 'new-connection', DEGRADED: 'degraded',
});
const LADDER = [Step.ICE_RESTART, Step.NEW_CONNECTION, Step.RELAY_ONLY];

/** Timer kinds and the event each one fires (TimerKind.java). */
export const TimerKind = Object.freeze({
  GRACE: 'grace-expired', RETRY: 'retry-due', ATTEMPT_TIMEOUT: 'attempt-timed-out', PROBE: 'probe-due',
});

const ATTEMPT_SCOPED = new Set(['connected', 'attempt-failed', 'grace-expired', 'retry-due', 'attempt-timed-out',
  'probe-due', 'probe-succeeded']);
const TIMER_FIRED = new Set(['grace-expired', 'retry-due', 'attempt-timed-out', 'probe-due']);

/** Which events each state accepts (ReconnectStateMachine.table()). */
const LEGAL = {
  [State.IDLE]: ['start', 'close'],
  [State.CONNECTING]: ['connected', 'attempt-failed', 'attempt-timed-out', 'close'],
  [State.CONNECTED]: ['transport-lost', 'close'],
  [State.DISCONNECTED]: ['connected', 'transport-lost', 'grace-expired', 'close'],
  [State.ICE_RESTARTING]: ['connected', 'attempt-failed', 'attempt-timed-out', 'close'],
  [State.BACKOFF]: ['connected', 'retry-due', 'close'],
  [State.RELAY_ONLY]: ['connected', 'attempt-failed', 'attempt-timed-out', 'close'],
  [State.RECONNECTING]: ['connected', 'attempt-failed', 'attempt-timed-out', 'close'],
  [State.DEGRADED]: ['connected', 'probe-due', 'probe-succeeded', 'attempt-failed', 'attempt-timed-out', 'close'],
  [State.FAILED]: ['close'],
  [State.CLOSED]: ['close'],
};

/** Whether `state` accepts events of `type` (guards and staleness aside). */
export function isLegal(state, type) {
  return LEGAL[state].includes(type);
}

/** The event is not allowed in the current state: a wiring bug. The state is unchanged. */
export class IllegalTransition extends Error {}

/**
 * @typedef {object} MachineState
 * @property {string} state
 * @property {number} attempt attempt id: grows with every effective transition (stale detection)
 * @property {number} attemptsInRecovery attempts since the recovery began (what the backoff counts)
 * @property {number|null} recoveryStartedAt ms
 * @property {string} step
 * @property {number} stepAttempts
 * @property {boolean} probeInFlight
 * @property {string} lastReason
 */

function ms(state, attempt, attemptsInRecovery, recoveryStartedAt, step, stepAttempts, probeInFlight, lastReason) {
  return Object.freeze({
    state, attempt, attemptsInRecovery, recoveryStartedAt, step, stepAttempts, probeInFlight, lastReason,
  });
}

/** True when an attempt (or probe) is running and can still succeed or fail. */
export function attemptInFlight(s) {
  switch (s.state) {
    case State.CONNECTING: case State.ICE_RESTARTING: case State.RELAY_ONLY: case State.RECONNECTING:
      return true;
    case State.DEGRADED:
      return s.probeInFlight;
    default:
      return false;
  }
}

/** The pure state machine (ReconnectStateMachine.java). */
export class ReconnectStateMachine {
  constructor(config, policy) {
    this.config = config;
    this.policy = policy;
  }

  /** @returns {MachineState} */
  initial() {
    return ms(State.IDLE, 0, 0, null, Step.NONE, 0, false, 'not started');
  }

  /**
   * Applies one event.
   * @param {MachineState} s
   * @param {{type:string, attempt?:number, reason?:string}} event
   * @param {number} now ms
   * @returns {{state: MachineState, from: string, to: string, effects: object[], stale: boolean}}
   * @throws {IllegalTransition}
   */
  apply(s, event, now) {
    if (ATTEMPT_SCOPED.has(event.type)) {
      if (event.attempt > s.attempt) {
        throw new IllegalTransition(`illegal event ${event.type} in state ${s.state}: attempt ${event.attempt} was never issued (current is ${s.attempt})`);
      }
      if (event.attempt < s.attempt) {
        return { state: s, from: s.state, to: s.state, effects: [], stale: true };
      }
    }
    if (!isLegal(s.state, event.type)) {
      throw new IllegalTransition(`illegal event ${event.type} in state ${s.state}`);
    }
    switch (event.type) {
      case 'close': return this._close(s, event);
      case 'start': return this._start(s, now);
      case 'transport-lost': return this._transportLost(s, event, now);
      case 'connected': return this._connected(s, event);
      case 'probe-succeeded':
        this._requireProbe(s, event, true);
        return this._connected(s, event);
      case 'grace-expired': case 'retry-due': return this._climb(s, event, now);
      case 'probe-due':
        this._requireProbe(s, event, false);
        return this._startProbe(s);
      default: {
        const reason = event.type === 'attempt-failed'
          ? event.reason
          : `${describe(s.state)} timed out after ${this._timeoutFor(s.state)}ms`;
        return this._attemptFailed(s, event, reason, now);
      }
    }
  }

  _close(s, event) {
    if (isTerminal(s.state)) {
      return noop(s);
    }
    const effects = [{ type: 'cancel-timers' }];
    if (s.state === State.DEGRADED) {
      effects.push({ type: 'leave-degraded' });
    }
    return outcome(s, ms(State.CLOSED, s.attempt + 1, s.attemptsInRecovery, s.recoveryStartedAt, s.step,
      s.stepAttempts, false, event.reason), effects);
  }

  _start(s, now) {
    const id = s.attempt + 1;
    return outcome(s, ms(State.CONNECTING, id, 1, now, Step.INITIAL_CONNECT, 1, false, 'connecting'), [
      { type: 'start-new-connection', attempt: id },
      timer(TimerKind.ATTEMPT_TIMEOUT, id, this.config.connectTimeoutMs),
    ]);
  }

  _transportLost(s, event, now) {
    if (s.state === State.DISCONNECTED) {
      return noop(s);
    }
    const id = s.attempt + 1;
    return outcome(s, ms(State.DISCONNECTED, id, 0, now, Step.NONE, 0, false, event.reason), [
      timer(TimerKind.GRACE, id, this.config.graceDelayMs),
    ]);
  }

  _connected(s, event) {
    const effects = [];
    cancelPendingTimer(event, effects);
    if (s.state === State.DEGRADED) {
      effects.push({ type: 'leave-degraded' });
    }
    // A working transport ends the recovery: the next loss starts a fresh ladder with fresh budgets.
    return outcome(s, ms(State.CONNECTED, s.attempt + 1, 0, null, Step.NONE, 0, false, connectedReason(s.state)),
      effects);
  }

  _climb(s, event, now) {
    const rung = this._nextStep(s);
    if (rung === null) {
      return this._ladderExhausted(s, event, now);
    }
    const id = s.attempt + 1;
    const onStep = rung === s.step ? s.stepAttempts + 1 : 1;
    const target = rung === Step.ICE_RESTART ? State.ICE_RESTARTING
      : rung === Step.RELAY_ONLY ? State.RELAY_ONLY : State.RECONNECTING;
    const action = rung === Step.ICE_RESTART ? 'start-ice-restart'
      : rung === Step.RELAY_ONLY ? 'start-relay-only' : 'start-new-connection';
    const reason = `${describe(target)} ${onStep} of ${this._budget(rung)}`;
    return outcome(s, ms(target, id, s.attemptsInRecovery + 1, s.recoveryStartedAt, rung, onStep, false, reason), [
      { type: action, attempt: id },
      timer(TimerKind.ATTEMPT_TIMEOUT, id, this._timeoutFor(target)),
    ]);
  }

  _attemptFailed(s, event, reason, now) {
    if (s.state === State.DEGRADED) {
      this._requireProbe(s, event, true);
      return this._probeFailed(s, event, reason);
    }
    if (this._nextStep(s) === null) {
      // Entering degraded or failed is not an attempt: a backoff first would only prolong the outage.
      return this._ladderExhausted(s, event, now);
    }
    const decision = this.policy.next(s.attemptsInRecovery, elapsed(s, now));
    if (decision.stop !== undefined) {
      return this._fail(s, event, decision.stop);
    }
    const id = s.attempt + 1;
    const effects = [];
    cancelPendingTimer(event, effects);
    effects.push(timer(TimerKind.RETRY, id, decision.retry));
    return outcome(s, ms(State.BACKOFF, id, s.attemptsInRecovery, s.recoveryStartedAt, s.step, s.stepAttempts,
      false, `${reason}; next attempt in ${decision.retry}ms`), effects);
  }

  _ladderExhausted(s, event, now) {
    const reason = `recovery ladder exhausted after ${s.attemptsInRecovery} attempts in ${seconds(elapsed(s, now))}`;
    if (!this.config.degradedAllowed) {
      return this._fail(s, event, reason);
    }
    const id = s.attempt + 1;
    const effects = [];
    cancelPendingTimer(event, effects);
    effects.push({ type: 'enter-degraded' });
    effects.push(timer(TimerKind.PROBE, id, this.config.probeIntervalMs));
    return outcome(s, ms(State.DEGRADED, id, s.attemptsInRecovery, s.recoveryStartedAt, Step.DEGRADED, 0, false,
      `${reason}; relaying messages over signaling`), effects);
  }

  _fail(s, event, reason) {
    const effects = [];
    cancelPendingTimer(event, effects);
    effects.push({ type: 'fail', reason });
    return outcome(s, ms(State.FAILED, s.attempt + 1, s.attemptsInRecovery, s.recoveryStartedAt, s.step,
      s.stepAttempts, false, reason), effects);
  }

  _startProbe(s) {
    const id = s.attempt + 1;
    const probe = s.stepAttempts + 1;
    return outcome(s, ms(State.DEGRADED, id, s.attemptsInRecovery, s.recoveryStartedAt, Step.DEGRADED, probe, true,
      `probe ${probe}`), [
      { type: 'start-new-connection', attempt: id },
      timer(TimerKind.ATTEMPT_TIMEOUT, id, this.config.connectTimeoutMs),
    ]);
  }

  _probeFailed(s, event, reason) {
    const id = s.attempt + 1;
    const effects = [];
    cancelPendingTimer(event, effects);
    effects.push(timer(TimerKind.PROBE, id, probeDelay(this.config, s.stepAttempts)));
    return outcome(s, ms(State.DEGRADED, id, s.attemptsInRecovery, s.recoveryStartedAt, Step.DEGRADED,
      s.stepAttempts, false, reason), effects);
  }

  _requireProbe(s, event, inFlight) {
    if (s.probeInFlight !== inFlight) {
      throw new IllegalTransition(`illegal event ${event.type} in state ${s.state}: ${inFlight ? 'no probe is in flight' : 'a probe is already in flight'}`);
    }
  }

  _nextStep(s) {
    if (s.stepAttempts < this._budget(s.step)) {
      return s.step;
    }
    const after = rank(s.step);
    return LADDER.find((rung) => rank(rung) > after && this._budget(rung) > 0) ?? null;
  }

  _budget(step) {
    switch (step) {
      case Step.ICE_RESTART: return this.config.iceRestartAttempts;
      case Step.RELAY_ONLY: return this.config.relayAvailable ? this.config.relayAttempts : 0;
      case Step.NEW_CONNECTION: return this.config.newConnectionAttempts;
      default: return 0;
    }
  }

  _timeoutFor(state) {
    return state === State.ICE_RESTARTING ? this.config.iceRestartTimeoutMs : this.config.connectTimeoutMs;
  }
}

function rank(step) {
  switch (step) {
    case Step.NONE: return 0;
    case Step.INITIAL_CONNECT: case Step.ICE_RESTART: return 1;
    case Step.NEW_CONNECTION: return 2;
    case Step.RELAY_ONLY: return 3;
    default: return 4;
  }
}

function timer(kind, attempt, delayMs) {
  return { type: 'schedule-timer', kind, attempt, delayMs };
}

function cancelPendingTimer(event, effects) {
  if (!TIMER_FIRED.has(event.type)) {
    effects.push({ type: 'cancel-timers' });
  }
}

function elapsed(s, now) {
  return s.recoveryStartedAt === null ? 0 : Math.max(0, now - s.recoveryStartedAt);
}

function noop(s) {
  return { state: s, from: s.state, to: s.state, effects: [], stale: false };
}

/** Appends emit-status when the state changes, so no path can forget it. */
function outcome(from, to, effects) {
  const all = [...effects];
  if (from.state !== to.state) {
    all.push({ type: 'emit-status', from: from.state, to: to.state, reason: to.lastReason, attempt: to.attempt });
  }
  return { state: to, from: from.state, to: to.state, effects: all, stale: false };
}

function describe(state) {
  switch (state) {
    case State.CONNECTING: return 'connect attempt';
    case State.ICE_RESTARTING: return 'ICE restart';
    case State.RELAY_ONLY: return 'relay-only attempt';
    case State.RECONNECTING: return 'new connection attempt';
    default: return 'probe';
  }
}

function connectedReason(from) {
  switch (from) {
    case State.CONNECTING: return 'connected';
    case State.DISCONNECTED: return 'path recovered during the grace period';
    case State.BACKOFF: return 'connection recovered by itself while backing off';
    case State.DEGRADED: return 'upgraded from degraded mode';
    default: return `${describe(from)} succeeded`;
  }
}

/**
 * Mutable holder around the machine (ReconnectController.java): keeps the current state, stamps events with
 * the clock and tells the listener about state changes (after storing, before the caller runs the effects).
 */
export class ReconnectController {
  /**
   * @param {object} config from {@link reconnectConfig}
   * @param {{now?: () => number, random?: () => number}} [env]
   */
  constructor(config, env = {}) {
    this.machine = new ReconnectStateMachine(config, new BackoffPolicy(config, env.random ?? Math.random));
    this.now = env.now ?? (() => Date.now());
    /** @type {MachineState} */
    this.current = this.machine.initial();
    /** @type {(transition: object, state: MachineState) => void} */
    this.listener = null;
  }

  get state() {
    return this.current.state;
  }

  get attempt() {
    return this.current.attempt;
  }

  /** Applies `event`; returns the outcome whose effects the caller must execute. */
  fire(event) {
    const result = this.machine.apply(this.current, event, this.now());
    this.current = result.state;
    if (result.from !== result.to && this.listener) {
      try {
        this.listener(result, result.state);
      } catch {
        // A broken observer must not keep the caller from executing the effects.
      }
    }
    return result;
  }

  /** The live connection carries data: `connected` where the table accepts it, else ignored. */
  transportUp() {
    return isLegal(this.current.state, 'connected')
      ? this.fire({ type: 'connected', attempt: this.current.attempt })
      : noop(this.current);
  }

  /**
   * The live connection went down: transport-lost when connected (or already disconnected), attempt-failed
   * when an attempt or probe is in flight, ignored otherwise (backoff and degraded know already).
   */
  transportDown(reason) {
    const state = this.current.state;
    if (state === State.CONNECTED || state === State.DISCONNECTED) {
      return this.fire({ type: 'transport-lost', reason });
    }
    if (attemptInFlight(this.current)) {
      return this.fire({ type: 'attempt-failed', attempt: this.current.attempt, reason });
    }
    return noop(this.current);
  }
}
