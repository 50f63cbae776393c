package io.peermesh.supervisor.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Admission control of the factory pool (real factories; no connection is made). */
class FactoryPoolTest {

  @Test
  void spreadsOverFactoriesAndRefusesBeyondCapacity() throws Exception {
    FactoryPool pool = new FactoryPool(new FactoryPool.Limits(2, 2, 100, 0));
    FactoryPool.Slot first = pool.acquire();
    FactoryPool.Slot second = pool.acquire();
    assertNotSame(first, second, "the second connection goes to a second factory");
    pool.acquire();
    pool.acquire();
    assertEquals(4, pool.active());
    CapacityException full = assertThrows(CapacityException.class, pool::acquire);
    assertTrue(full.getMessage().contains("capacity"));
    pool.release(first);
    FactoryPool.Slot again = pool.acquire();
    assertEquals(first.index(), again.index(), "a freed place is reused");
    assertEquals(2, pool.factoriesCreated());
  }

  @Test
  void aNodeThatServedItsLifetimeQuotaAsksToBeRecycled() throws Exception {
    FactoryPool pool = new FactoryPool(new FactoryPool.Limits(1, 10, 2, 0));
    pool.release(pool.acquire());
    pool.release(pool.acquire());
    CapacityException recycle = assertThrows(CapacityException.class, pool::acquire);
    assertTrue(recycle.getMessage().contains("recycled"));
    assertEquals(2, pool.served());
  }

  @Test
  void limitsMustBePositiveAndFreeDescriptorsAreKnownOnLinux() {
    assertThrows(IllegalArgumentException.class, () -> new FactoryPool.Limits(0, 1, 1, 0));
    assertTrue(FactoryPool.freeDescriptors() > 0);
    assertTrue(FactoryPool.Limits.defaults().factories() >= 1);
  }

  @Test
  void withoutBlockingNeedsAFactoryAlreadyMadeAndAFreshDescriptorCount() throws Exception {
    long[] now = {0};
    int[] counts = {0};
    FactoryPool pool = new FactoryPool(new FactoryPool.Limits(1, 10, 100, 100), () -> now[0], () -> {
      counts[0]++;
      return 1_000;
    });
    assertNull(pool.acquireWithoutBlocking(), "no count yet, and no factory");
    assertEquals(0, counts[0]);
    FactoryPool.Slot first = pool.acquire();
    assertEquals(1, counts[0]);
    now[0] += FactoryPool.DESCRIPTOR_COUNT_TTL_NANOS;
    assertSame(first, pool.acquireWithoutBlocking());
    assertEquals(1, counts[0], "the count is trusted for a while");
    assertEquals(2, pool.active());
    now[0] += 1;
    assertNull(pool.acquireWithoutBlocking(), "too old: count again, off the event loop");
    assertEquals(1, pool.factoriesCreated());
  }

  @Test
  void withoutBlockingNeverCreatesAFactory() throws Exception {
    FactoryPool pool = new FactoryPool(new FactoryPool.Limits(2, 10, 100, 100), () -> 0, () -> 1_000);
    FactoryPool.Slot first = pool.acquire();
    assertNull(pool.acquireWithoutBlocking(), "the second connection goes to a second factory, not made yet");
    assertEquals(1, pool.factoriesCreated());
    assertNotSame(first, pool.acquire());
    assertEquals(2, pool.factoriesCreated());
    assertNotNull(pool.acquireWithoutBlocking(), "both made: now at once");
  }

  @Test
  void connectionsAdmittedSinceTheCountAreCountedAtTwoDescriptorsEach() throws Exception {
    FactoryPool pool = new FactoryPool(new FactoryPool.Limits(1, 10, 100, 100), () -> 0, () -> 104);
    pool.acquire();
    pool.acquireWithoutBlocking();
    pool.acquireWithoutBlocking();
    CapacityException e = assertThrows(CapacityException.class, pool::acquireWithoutBlocking);
    assertTrue(e.getMessage().contains("only 98 file descriptors"), e.getMessage());
    assertEquals(3, pool.active());
    assertNotNull(pool.acquire(), "a fresh count knows better");
  }

  @Test
  void aFullNodeRefusesWithoutBlockingToo() throws Exception {
    FactoryPool pool = new FactoryPool(new FactoryPool.Limits(1, 1, 100, 0), () -> 0, () -> 1_000);
    pool.acquire();
    assertThrows(CapacityException.class, pool::acquireWithoutBlocking);
  }

  @Test
  void tooFewFreeDescriptorsRefuse() {
    FactoryPool pool = new FactoryPool(new FactoryPool.Limits(1, 10, 10, Integer.MAX_VALUE));
    CapacityException e = assertThrows(CapacityException.class, pool::acquire);
    assertTrue(e.getMessage().contains("file descriptors"));
  }
}
