package io.plasmavmc.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.plasmavmc.contract.spec.InvalidSpecException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What of an address reaches QEMU's migrate-incoming: a host and nothing else. */
class QmpMigrationTest {
  @Test
  void hostNamesAndAddressesPassIpv6InBrackets() {
    assertEquals("10.0.0.7", QmpMigration.uriHost("10.0.0.7"));
    assertEquals("host-a.example.net", QmpMigration.uriHost("host-a.example.net"));
    assertEquals("[::1]", QmpMigration.uriHost("::1"));
    assertEquals("[fd00::2]", QmpMigration.uriHost("fd00::2"));
  }

  @Test
  void anythingThatIsNotJustAHostIsRefused() {
    for (String address : List.of("", "a,b", "a b", "10.0.0.7:80", "tcp:10.0.0.7", "-x", "a\nb", "[::1]", "a/b", "x".repeat(300), "::1%eth0")) {
      assertThrows(InvalidSpecException.class, () -> QmpMigration.uriHost(address), address);
    }
    assertThrows(InvalidSpecException.class, () -> QmpMigration.uriHost(null));
  }
}
