// Unit tests of the files pacer on a fake clock: the cases of DelayPacerTest.java.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DelayPacer, MAX_RATE, PACER_DEFAULTS as S } from '../client/pacer.js';

/** Samples in the current-delay filter. */
const FILTER = 8;
// Binary fractions of a millisecond, so the fake clock's sums are exact.
const BASE = 0.125;
/** Round trips of a queue far over target. */
const STARVED = BASE + 5;

function setUp() {
  const clock = { now: 1000 };
  const pacer = new DelayPacer({}, () => clock.now);

  /** One probe out and back after `rtt`; the clock ends at the answer. */
  const sample = (rtt) => {
    assert.ok(pacer.probeDue(), 'a probe is due');
    const stamp = pacer.probeSent();
    clock.now += rtt;
    pacer.probeAnswered(stamp);
  };
  /** Uses up the allowance, so the pacer knows the sender wanted more. */
  const sendUntilHeldBack = () => {
    for (let i = 0; pacer.maySend(); i++) {
      assert.ok(i < 100000, 'the allowance never ran out');
      pacer.sent(16 * 1024);
    }
  };
  const calibrate = () => {
    sample(BASE);
    clock.now += S.probeEveryMs;
  };
  /** A queue far over target takes the rate to its floor (a quarter off per sample). */
  const starve = () => {
    while (pacer.rateBytesPerSecond > S.minRateBytesPerSecond) {
      sample(STARVED);
      clock.now += S.probeEveryMs;
    }
  };
  /** Starved, then a drain begun and its pause over: the next probe is a drain probe. */
  const drainedAndDue = () => {
    calibrate();
    starve();
    clock.now += S.drainEveryMs;
    assert.equal(pacer.maySend(), false);
    clock.now += 2 * STARVED;
  };
  return { clock, pacer, sample, sendUntilHeldBack, calibrate, starve, drainedAndDue };
}

const near = (actual, expected, within, message) =>
  assert.ok(Math.abs(actual - expected) <= within, `${message ?? ''} ${actual} is not within ${within} of ${expected}`);

test('nothing is sent until the first probe is answered', () => {
  const { clock, pacer } = setUp();
  assert.equal(pacer.maySend(), false);
  assert.ok(pacer.probeDue());
  const stamp = pacer.probeSent();
  clock.now += 1;
  assert.equal(pacer.probeDue(), false, 'one probe at a time');
  assert.equal(pacer.maySend(), false);
  assert.equal(pacer.waitMs(), S.probeEveryMs);
  clock.now = stamp + BASE;
  pacer.probeAnswered(stamp);
  assert.ok(pacer.calibrated);
  assert.ok(pacer.maySend());
  assert.equal(pacer.baseMs(), BASE);
});

test('the rate rises by a tenth per sample while no queue builds and the sender is held back', () => {
  const { pacer, sample, calibrate, sendUntilHeldBack } = setUp();
  calibrate();
  const before = pacer.rateBytesPerSecond;
  sendUntilHeldBack();
  sample(BASE);
  near(pacer.rateBytesPerSecond, before * 1.1, 1);
});

test('the rate stays when the sender did not use what it had', () => {
  const { pacer, sample, calibrate } = setUp();
  calibrate();
  const before = pacer.rateBytesPerSecond;
  sample(BASE);
  assert.equal(pacer.rateBytesPerSecond, before);
});

test('the rate falls in proportion to the queue over target once the filter holds only queued samples', () => {
  const { clock, pacer, sample, calibrate } = setUp();
  calibrate();
  const before = pacer.rateBytesPerSecond;
  const queue = 3 * S.targetDelayMs;
  for (let i = 0; i < FILTER - 1; i++) {
    sample(BASE + queue);
    clock.now += S.probeEveryMs;
  }
  assert.equal(pacer.rateBytesPerSecond, before, 'the calibration sample is still among the last eight');
  sample(BASE + queue);
  near(pacer.rateBytesPerSecond, before * (1 + 0.1 * (1 - 3)), 1);
});

test('late probes among good ones change nothing', () => {
  const { clock, pacer, sample, calibrate } = setUp();
  calibrate();
  const before = pacer.rateBytesPerSecond;
  for (let i = 0; i < 3 * FILTER; i++) {
    sample(i % FILTER === FILTER - 1 ? BASE : BASE + 50);
    clock.now += S.probeEveryMs;
  }
  assert.equal(pacer.rateBytesPerSecond, before);
});

test('the rate falls a quarter at most per sample and never below the floor', () => {
  const { clock, pacer, sample, calibrate } = setUp();
  calibrate();
  const before = pacer.rateBytesPerSecond;
  for (let i = 0; i < FILTER; i++) {
    sample(BASE + 100);
    clock.now += S.probeEveryMs;
  }
  near(pacer.rateBytesPerSecond, before * 0.75, 1);
  for (let i = 0; i < 40; i++) {
    clock.now += S.probeEveryMs;
    sample(BASE + 100);
  }
  assert.equal(pacer.rateBytesPerSecond, S.minRateBytesPerSecond);
});

test('a path that never pushes back grows the rate up to the ceiling and no further', () => {
  const { clock, pacer, sample, calibrate, sendUntilHeldBack } = setUp();
  calibrate();
  for (let i = 0; i < 2000; i++) {
    sendUntilHeldBack();
    clock.now += S.probeEveryMs;
    sample(BASE);
  }
  assert.equal(pacer.rateBytesPerSecond, MAX_RATE);
});

test('a probe unanswered for the timeout halves the rate and the next probe goes out', () => {
  const { clock, pacer, calibrate } = setUp();
  calibrate();
  const before = pacer.rateBytesPerSecond;
  pacer.probeSent();
  clock.now += S.probeTimeoutMs - 0.5;
  assert.equal(pacer.probeDue(), false);
  clock.now += 0.5;
  assert.ok(pacer.probeDue(), 'the next probe goes out');
  near(pacer.rateBytesPerSecond, before / 2, 1);
});

test('a first probe lost before calibration does not lower the rate: no byte went out, so no queue held it', () => {
  const { clock, pacer, sample } = setUp();
  assert.ok(pacer.probeDue());
  pacer.probeSent();
  clock.now += S.probeTimeoutMs;
  assert.ok(pacer.probeDue(), 'the next probe goes out');
  assert.equal(pacer.rateBytesPerSecond, S.initialRateBytesPerSecond);
  sample(BASE);
  assert.ok(pacer.calibrated);
  assert.equal(pacer.rateBytesPerSecond, S.initialRateBytesPerSecond, 'calibrated at the initial rate');
});

test('an answer to an older probe is ignored', () => {
  const { clock, pacer, calibrate } = setUp();
  calibrate();
  const stamp = pacer.probeSent();
  clock.now += BASE;
  pacer.probeAnswered(stamp - 5);
  clock.now = stamp + S.probeEveryMs;
  assert.equal(pacer.probeDue(), false, 'still waiting for the current probe');
  assert.equal(pacer.baseMs(), BASE);
});

test('bytes are spread at the rate, with bursts of about two milliseconds', () => {
  const { clock, pacer, calibrate } = setUp();
  calibrate();
  const rate = pacer.rateBytesPerSecond;
  while (pacer.maySend()) {
    pacer.sent(1000);
  }
  pacer.sent(64 * 1024);
  const wait = pacer.waitMs();
  // 64 KiB plus what was left of the last 1,000-byte frame's debt.
  near(wait, (64 * 1024 / rate) * 1000, (1000 / rate) * 1000);
  const start = clock.now;
  clock.now = start + wait - 0.001;
  assert.equal(pacer.maySend(), false);
  clock.now = start + wait + 0.001;
  assert.ok(pacer.maySend());
  // A long idle stretch, short of the next drain, leaves no more than the burst allowance behind.
  clock.now += 500;
  let sent = 0;
  while (pacer.maySend()) {
    pacer.sent(1000);
    sent += 1000;
  }
  assert.ok(sent <= Math.max(16 * 1024, rate * 0.002) + 1000, `sent ${sent}`);
});

test('the least round trip is forgotten after the base window', () => {
  const { clock, pacer, sample, calibrate } = setUp();
  calibrate();
  clock.now += 15000;
  sample(3 * BASE);
  assert.equal(pacer.baseMs(), BASE);
  // 31 s after the first sample, 16 s after the second: only the first has left the 30 s window.
  clock.now += 16000;
  sample(3 * BASE);
  assert.equal(pacer.baseMs(), 3 * BASE, 'the old minimum left the window');
  clock.now += 2 * S.baseWindowMs;
  sample(4 * BASE);
  assert.equal(pacer.baseMs(), 4 * BASE, 'a long silence forgets everything');
});

test('the target is the configured delay, or the base round trip where that is longer', () => {
  const { clock, pacer, sample } = setUp();
  assert.equal(pacer.targetMs(), S.targetDelayMs);
  sample(BASE);
  assert.equal(pacer.targetMs(), S.targetDelayMs);
  const far = new DelayPacer({}, () => clock.now);
  const stamp = far.probeSent();
  clock.now += 40;
  far.probeAnswered(stamp);
  assert.equal(far.targetMs(), 40);
});

test('a starved pacer pauses every second until two probes on the drained queue set the base', () => {
  const { clock, pacer, sample, calibrate, starve } = setUp();
  calibrate();
  starve();
  clock.now += S.drainEveryMs;
  assert.equal(pacer.maySend(), false, 'the drain begins');
  assert.ok(pacer.draining);
  assert.equal(pacer.waitMs(), S.probeEveryMs);
  // Twice the current round trip (between 2 and 50 ms).
  const start = clock.now;
  clock.now = start + 2 * STARVED - 0.125;
  assert.equal(pacer.probeDue(), false, 'the queue is still draining');
  clock.now = start + 2 * STARVED;
  sample(3 * BASE);
  assert.ok(pacer.draining, 'one answer is not enough');
  assert.equal(pacer.maySend(), false);
  sample(2 * BASE);
  assert.equal(pacer.draining, false);
  assert.equal(pacer.baseMs(), 2 * BASE, 'the least of the two drained probes is the base now');
  assert.ok(pacer.maySend());
  clock.now += 0.125;
  assert.equal(pacer.probeDue(), false, 'the next regular probe waits its interval');
});

test('a pacer at half its initial rate or more does not drain', () => {
  const { clock, pacer, calibrate } = setUp();
  calibrate();
  clock.now += 10 * S.drainEveryMs;
  assert.ok(pacer.maySend());
  assert.equal(pacer.draining, false);
});

test('when the machine itself slows down, the drains find the new floor and the rate recovers', () => {
  const { clock, pacer, sample, calibrate, sendUntilHeldBack } = setUp();
  calibrate();
  const initial = pacer.rateBytesPerSecond;
  // From now on every round trip takes 1 ms more whatever we send: delay we find, not delay we cause.
  const slow = BASE + 4 * S.targetDelayMs;
  let lowestBeforeDrain = initial;
  const end = clock.now + 3 * S.drainEveryMs;
  while (clock.now < end) {
    sendUntilHeldBack();
    if (pacer.probeDue()) {
      sample(slow);
    } else {
      clock.now += 1;
    }
    if (pacer.baseMs() === BASE) {
      lowestBeforeDrain = Math.min(lowestBeforeDrain, pacer.rateBytesPerSecond);
    }
  }
  assert.equal(lowestBeforeDrain, S.minRateBytesPerSecond, 'alone, the delay read as our queue');
  assert.equal(pacer.baseMs(), slow);
  assert.ok(pacer.rateBytesPerSecond > initial, `recovered: ${pacer.rateBytesPerSecond}`);
});

test('a drain probe left unanswered is sent again', () => {
  const { clock, pacer, sample, drainedAndDue } = setUp();
  drainedAndDue();
  assert.ok(pacer.probeDue());
  pacer.probeSent();
  clock.now += S.probeTimeoutMs;
  assert.ok(pacer.probeDue(), 'a new drain probe goes out');
  assert.ok(pacer.draining);
  sample(BASE);
  sample(BASE);
  assert.equal(pacer.draining, false);
});

test('a drain probe the path refused is no drain probe', () => {
  const { pacer, sample, drainedAndDue } = setUp();
  drainedAndDue();
  pacer.probeSent();
  pacer.probeNotSent();
  sample(BASE);
  sample(BASE);
  assert.equal(pacer.draining, false);
});

test('reset calibrates again at the initial rate', () => {
  const { clock, pacer, sample, calibrate, starve, sendUntilHeldBack } = setUp();
  calibrate();
  sendUntilHeldBack();
  sample(BASE);
  clock.now += S.probeEveryMs;
  starve();
  clock.now += S.drainEveryMs;
  assert.equal(pacer.maySend(), false);
  assert.ok(pacer.draining);
  pacer.reset();
  assert.equal(pacer.draining, false, 'a new path calibrates instead');
  assert.equal(pacer.calibrated, false);
  assert.equal(pacer.maySend(), false);
  assert.equal(pacer.rateBytesPerSecond, S.initialRateBytesPerSecond);
  assert.equal(pacer.baseMs(), Infinity);
});

test('while critical messages move the delay is judged by the median, and once quiet by the least', () => {
  const { clock, pacer } = setUp();
  assert.equal(pacer.judgesByMedian(), false, 'nothing critical moved yet');
  pacer.criticalActivity();
  assert.ok(pacer.judgesByMedian());
  const at = clock.now;
  clock.now = at + S.criticalQuietMs - 0.125;
  assert.ok(pacer.judgesByMedian());
  clock.now = at + S.criticalQuietMs;
  assert.equal(pacer.judgesByMedian(), false, 'quiet long enough');
});

// One probe in four finds no queue, the others a queue three times the target: the least sees none and the
// rate grows; the median sees the queue most messages meet and the rate falls.
test('a queue most messages meet lowers the rate only while critical messages move', () => {
  const { clock, pacer, sample, calibrate, sendUntilHeldBack } = setUp();
  calibrate();
  const high = BASE + 3 * S.targetDelayMs;
  for (let i = 0; i < 2 * FILTER; i++) {
    sendUntilHeldBack();
    const was = pacer.rateBytesPerSecond;
    sample(i % 4 === 0 ? BASE : high);
    assert.ok(pacer.rateBytesPerSecond > was, `sample ${i}: the least shows no queue`);
    clock.now += S.probeEveryMs;
  }
  for (let i = 0; i < 2 * FILTER; i++) {
    pacer.criticalActivity();
    sendUntilHeldBack();
    const was = pacer.rateBytesPerSecond;
    sample(i % 4 === 0 ? BASE : high);
    assert.ok(pacer.rateBytesPerSecond < was, `sample ${i}: the median shows the queue`);
    clock.now += S.probeEveryMs;
  }
});
