package io.plasmavmc.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** QEMU runs niced so that a host full of guests leaves its worker the CPU to keep up. */
class QemuPriorityTest {
  @Test
  void qemuIsStartedThroughNiceUnlessItsNiceValueIsZero() {
    assertEquals(List.of("/usr/bin/nice", "-n", "19"), new QemuPriority(QemuPriority.DEFAULT_NICE).prefix());
    assertEquals(List.of(), new QemuPriority(0).prefix());
    assertThrows(IllegalArgumentException.class, () -> new QemuPriority(20));
    assertThrows(IllegalArgumentException.class, () -> new QemuPriority(-1), "a QEMU above the worker is what issue 20 is about");
  }

  @Test
  void aProcessThatIsNotThereIsLeftAlone() {
    new QemuPriority(5).applyToSession(Integer.MAX_VALUE); // no such process: nothing to do, nothing thrown
  }
}
