package io.peermesh.shared.reconnect;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A test clock built from {@link Clock#fixed} that only moves when told to (via {@link Clock#offset}). */
final class MutableClock extends Clock {
  private Clock delegate;

  MutableClock(Instant start) {
    this.delegate = Clock.fixed(start, ZoneOffset.UTC);
  }

  void advance(Duration duration) {
    delegate = Clock.offset(delegate, duration);
  }

  @Override
  public Instant instant() {
    return delegate.instant();
  }

  @Override
  public ZoneId getZone() {
    return delegate.getZone();
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }
}
