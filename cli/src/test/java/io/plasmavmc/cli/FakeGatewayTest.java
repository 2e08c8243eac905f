package io.plasmavmc.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** vmctl against a fake gateway on a real port, its token in place: what each test runs its command lines on. */
abstract class FakeGatewayTest {
  @TempDir
  Path configDir;

  final FakeVmService vms = new FakeVmService();
  final FakeLifecycleTestService tests = new FakeLifecycleTestService();
  final FakeImageService images = new FakeImageService();
  final FakeHostService hosts = new FakeHostService();
  FakeGateway gateway;

  @BeforeEach
  void start() throws IOException {
    Files.writeString(LocalToken.file(configDir), FakeGateway.TOKEN + "\n");
    gateway = new FakeGateway(vms, tests, images, hosts);
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  record Result(int code, String out, String err) {}

  Result vmctl(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new Vmctl(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), configDir)
        .run(args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The command line with the fake gateway's address after it. */
  Result call(String... args) {
    String[] withServer = new String[args.length + 2];
    System.arraycopy(args, 0, withServer, 0, args.length);
    withServer[args.length] = "--server";
    withServer[args.length + 1] = gateway.target();
    return vmctl(withServer);
  }
}
