package io.plasmavmc.cli;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc.VmServiceBlockingStub;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * migrate --watch: MigrateVm answers once the migration ended; meanwhile this shows each of its
 * phases (the VM's state reason: reserving, preparing the target, sending, taking over), as GetVm
 * reports it every 200 ms.
 */
final class MigrationProgress {
  private static final long POLL_MILLIS = 200;

  private final VmServiceBlockingStub vms;
  private final PrintStream err;

  MigrationProgress(VmServiceBlockingStub vms, PrintStream err) {
    this.vms = vms;
    this.err = err;
  }

  Vm migrate(MigrateVmRequest request) throws InterruptedException {
    CompletableFuture<Vm> migrated = CompletableFuture.supplyAsync(() -> vms.migrateVm(request));
    long started = System.nanoTime();
    String shown = "";
    err.println("migrating " + request.getName() + (request.getTargetHostId().isEmpty() ? "" : " to host " + request.getTargetHostId())
        + "...");
    while (true) {
      try {
        Vm vm = migrated.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
        err.printf("  on host %s after %d ms%n", vm.getHostId(), (System.nanoTime() - started) / 1_000_000);
        return vm;
      } catch (TimeoutException e) {
        shown = show(request.getName(), shown);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof StatusRuntimeException status) {
          throw status;
        }
        throw new IllegalStateException(e.getCause());
      }
    }
  }

  private String show(String name, String shown) {
    try {
      String reason = vms.getVm(GetVmRequest.newBuilder().setName(name).build()).getStateReason();
      if (!reason.equals(shown)) {
        err.printf("  %s%n", reason);
      }
      return reason;
    } catch (StatusRuntimeException unanswered) {
      return shown; // the next look may answer
    }
  }
}
