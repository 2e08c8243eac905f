package io.plasmavmc.e2e;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalStack;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** PlasmaVMC as `plasmavmc up` runs it (embedded Temporal, worker, gateway), on free ports and a private runtime dir. */
final class PlasmaVmcHarness implements AutoCloseable {
  final Path runtimeDir;
  final LocalStack stack;
  final ManagedChannel channel;
  final VmServiceGrpc.VmServiceBlockingStub vms;
  final int temporalPort;

  PlasmaVmcHarness(Duration hostTaskTimeout) throws IOException {
    runtimeDir = Files.createTempDirectory("plasmavmc-e2e");
    temporalPort = freePort();
    stack = new LocalStack(new LocalStack.Settings(temporalPort, 0, "127.0.0.1", "e2e-host", runtimeDir,
        Path.of("/usr/bin/qemu-system-x86_64"), List.of(TestGuest.dir()), "auto", hostTaskTimeout)).start();
    channel = Grpc.newChannelBuilder("127.0.0.1:" + stack.grpcPort(), InsecureChannelCredentials.create()).build();
    vms = VmServiceGrpc.newBlockingStub(channel);
  }

  Path vmDir(String name) {
    return runtimeDir.resolve(name);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    channel.shutdownNow();
    stack.close();
    for (Long pid : QemuProcessTable.livePidsMentioning(runtimeDir)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    try (Stream<Path> files = Files.walk(runtimeDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
