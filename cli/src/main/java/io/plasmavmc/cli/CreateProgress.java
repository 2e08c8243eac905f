package io.plasmavmc.cli;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc.VmServiceBlockingStub;
import io.plasmavmc.api.v1.VmState;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * create --wait: CreateVm answers once the VM is CREATED (or RUNNING); meanwhile this shows each
 * state the VM passes, as GetVm reports it every 200 ms.
 */
final class CreateProgress {
  private static final long POLL_MILLIS = 200;

  private final VmServiceBlockingStub vms;
  private final PrintStream err;

  CreateProgress(VmServiceBlockingStub vms, PrintStream err) {
    this.vms = vms;
    this.err = err;
  }

  Vm create(CreateVmRequest request) throws InterruptedException {
    CompletableFuture<Vm> created = CompletableFuture.supplyAsync(() -> vms.createVm(request));
    long started = System.nanoTime();
    VmState shown = VmState.VM_STATE_UNSPECIFIED;
    err.println("creating " + request.getName() + (request.getStart() ? " and starting it" : "") + "...");
    while (true) {
      try {
        Vm vm = created.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
        err.printf("  %s after %d ms%n", VmPrinter.label(vm.getState()), (System.nanoTime() - started) / 1_000_000);
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

  private VmState show(String name, VmState shown) {
    try {
      Vm vm = vms.getVm(GetVmRequest.newBuilder().setName(name).build());
      if (vm.getState() != shown) {
        err.printf("  %s (%s)%n", VmPrinter.label(vm.getState()), vm.getStateReason());
      }
      return vm.getState();
    } catch (StatusRuntimeException notYet) {
      return shown; // the VM's workflow has not started yet
    }
  }
}
