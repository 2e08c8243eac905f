package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.plasmavmc.host.testing.ScratchDirectories;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away certificate authority for TLS tests, made with openssl: {@code ca.crt}, a server
 * certificate for 127.0.0.1 and localhost ({@code server.crt}/{@code .key}), and client
 * certificates whose OU is a role ({@code <name>.crt}/{@code .key}). Keys are PKCS#8 PEM.
 */
final class TestPki implements AutoCloseable {
  final Path dir;

  TestPki(String... clients) throws Exception {
    dir = Files.createTempDirectory("plasmavmc-pki");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=PlasmaVMC test CA");
    issue("server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    for (String role : clients) {
      issue(role, "/CN=" + role + "-user/OU=" + role, "extendedKeyUsage=clientAuth");
    }
  }

  Path file(String name) {
    return dir.resolve(name);
  }

  private void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.waitFor(), output);
  }

  private void issue(String name, String subject, String extension) throws Exception {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
    Files.writeString(dir.resolve(name + ".ext"), extension + "\n");
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".crt",
        "-days", "1", "-extfile", name + ".ext");
  }

  @Override
  public void close() {
    ScratchDirectories.delete(dir);
  }
}
