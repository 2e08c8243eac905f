package io.plasmavmc.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The QEMU version a host registers: the number of the first line of --version, or "unknown". */
class QemuVersionTest {
  @Test
  void theVersionIsTheNumberOnTheFirstLine() {
    assertEquals("7.2.22", QemuVersion.parse("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n"
        + "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n"));
    assertEquals("9.1.0", QemuVersion.parse("QEMU emulator version 9.1.0\n"));
    assertEquals(QemuVersion.UNKNOWN, QemuVersion.parse("something else entirely\nversion 1\n"));
  }

  @Test
  void aBinaryThatIsNotThereIsUnknown() {
    assertEquals(QemuVersion.UNKNOWN, QemuVersion.of(Path.of("/nonexistent/qemu-system-x86_64")));
  }
}
