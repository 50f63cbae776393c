/**
 * Small data structures shared by the client modules.
 * @module util
 */

/** A FIFO with O(1) push/shift (a growable ring). Bounds are enforced by the callers. */
export class Deque {
  constructor() {
    this._items = new Array(16);
    this._head = 0;
    this._size = 0;
  }

  get length() {
    return this._size;
  }

  push(item) {
    if (this._size === this._items.length) {
      const bigger = new Array(this._items.length * 2);
      for (let i = 0; i < this._size; i++) {
        bigger[i] = this._items[(this._head + i) % this._items.length];
      }
      this._items = bigger;
      this._head = 0;
    }
    this._items[(this._head + this._size) % this._items.length] = item;
    this._size++;
  }

  peek() {
    return this._size === 0 ? undefined : this._items[this._head];
  }

  /** The item `index` places after the head (0 = head), or undefined. */
  at(index) {
    return index < 0 || index >= this._size ? undefined : this._items[(this._head + index) % this._items.length];
  }

  shift() {
    if (this._size === 0) {
      return undefined;
    }
    const item = this._items[this._head];
    this._items[this._head] = undefined;
    this._head = (this._head + 1) % this._items.length;
    this._size--;
    return item;
  }

  clear() {
    this._items = new Array(16);
    this._head = 0;
    this._size = 0;
  }
}

/**
 * Token bucket: `perSecond` tokens a second, at most `burst` banked. Keeps the client below the signaling
 * server's rate limit (`maxMessagesPerSecond`/`burstMessages`, which close the socket with 4029).
 */
export class TokenBucket {
  /**
   * @param {number} perSecond refill rate
   * @param {number} burst capacity
   * @param {() => number} [now] clock in ms
   */
  constructor(perSecond, burst, now = () => performance.now()) {
    this.perSecond = perSecond;
    this.burst = burst;
    this._now = now;
    this._tokens = burst;
    this._at = now();
  }

  /** Tokens available now (fractional). */
  available() {
    const t = this._now();
    this._tokens = Math.min(this.burst, this._tokens + ((t - this._at) / 1000) * this.perSecond);
    this._at = t;
    return this._tokens;
  }

  /** Takes one token if more than `reserve` are available. */
  tryTake(reserve = 0) {
    if (this.available() >= 1 + reserve) {
      this._tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until one token (above `reserve`) is available. */
  waitMs(reserve = 0) {
    const missing = 1 + reserve - this.available();
    return missing <= 0 ? 0 : Math.ceil((missing / this.perSecond) * 1000);
  }
}

/** A random hex string of `bytes` random bytes. */
export function randomHex(bytes) {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Hex to bytes; null when `hex` is not an even-length hex string. */
export function hexToBytes(hex) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) {
    return null;
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(hex.substr(i * 2, 2), 16);
  }
  return out;
}

/** Bytes to lower-case hex. */
export function bytesToHex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    out += bytes[i].toString(16).padStart(2, '0');
  }
  return out;
}

/**
 * Calls `fn`, never letting an exception escape (event handlers and timers must not throw).
 * @returns {*} fn's result, or undefined when it threw
 */
export function guard(fn, onError) {
  try {
    return fn();
  } catch (e) {
    try {
      onError?.(e);
    } catch {
      // the error reporter itself failed: nothing more to do
    }
    return undefined;
  }
}
