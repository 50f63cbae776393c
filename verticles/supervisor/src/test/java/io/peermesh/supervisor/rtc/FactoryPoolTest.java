package io.peermesh.supervisor.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
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
  void tooFewFreeDescriptorsRefuse() {
    FactoryPool pool = new FactoryPool(new FactoryPool.Limits(1, 10, 10, Integer.MAX_VALUE));
    CapacityException e = assertThrows(CapacityException.class, pool::acquire);
    assertTrue(e.getMessage().contains("file descriptors"));
  }
}
