package io.plasmavmc.launcher;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.ListVmsResponse;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.ResumeVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.api.v1.WatchVmRequest;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** vmctl: a command-line client of plasmavmc.v1.VmService, in the spirit of virsh. */
public final class Vmctl {
  private final PrintStream out;
  private final PrintStream err;
  /** Where the local stack's admin token lies (see {@link LocalCredentials}). */
  private final java.nio.file.Path configDir;

  public Vmctl(PrintStream out, PrintStream err, java.nio.file.Path configDir) {
    this.out = out;
    this.err = err;
    this.configDir = configDir;
  }

  public static void main(String[] args) {
    System.exit(new Vmctl(System.out, System.err, LocalCredentials.defaultDir()).run(args));
  }

  static String usage() {
    return """
        usage: vmctl [--server HOST:PORT] [--json] COMMAND NAME [options]
          create NAME [--start] [--wait] [--memory MIB] [--vcpus N] [--accel auto|kvm|tcg] [--machine TYPE]
                      [--kernel PATH --initrd PATH --cmdline TEXT] [--test-guest graceful|stubborn|agent]
                      [--disk PATH[:raw|qcow2][:ro]]... [--forward [udp:]HOSTPORT:GUESTPORT]... [--no-network]
                      [--host ID] [--request-id ID]
                      [--guest-agent] [--ready-pattern REGEX | --ready-agent] [--ready-timeout SECONDS] [--wait-ready]
          start NAME [--wait-ready]
          stop NAME [--timeout SECONDS] [--force]
          pause NAME | resume NAME | reboot NAME [--wait-ready]
          get NAME
          watch NAME                  stream state changes until the VM is deleted (Ctrl-C ends)
          console-log NAME [--bytes N]
          list [--state STATE] [--host ID] [--page-size N]
                                       STATE: running, paused, stopped, crashed, host_unreachable, ...
          orphans [--host ID]          QEMU processes on a host that no VM owns (left alone)
          delete NAME
          test RUN [create's spec options] [--iterations N] [--concurrency N] [--reboot] [--expect REGEX]...
                   [--exec "PATH ARG...[=EXIT_CODE]"]... [--stop-timeout SECONDS] [--retries N | --no-retries] [--watch]
                                       a lifecycle test run: N times create, start, wait for the guest, check it,
                                       stop it gracefully, delete it (--watch follows it and prints the report)
          test-report RUN | test-cancel RUN | test-list
        The server defaults to $PLASMAVMC_SERVER or 127.0.0.1:9090. Every call carries a token: --token-file FILE,
        $PLASMAVMC_TOKEN, or ~/.config/plasmavmc/admin.token (made by ./plasmavmc up). Over TLS: --ca FILE
        ($PLASMAVMC_CA), and --cert FILE --key FILE for mutual TLS.
        """;
  }

  public int run(String[] args) {
    Options options;
    try {
      options = new Options(args, 0, "--json", "--start", "--wait", "--wait-ready", "--guest-agent", "--ready-agent", "--force", "--no-network", "--help",
          "--reboot", "--watch", "--no-retries");
    } catch (IllegalArgumentException e) {
      err.println("vmctl: " + e.getMessage());
      return 2;
    }
    if (options.flag("--help") || options.words().isEmpty()) {
      out.print(usage());
      return options.words().isEmpty() && !options.flag("--help") ? 2 : 0;
    }
    String env = System.getenv("PLASMAVMC_SERVER");
    String server = options.value("--server", env == null || env.isBlank() ? "127.0.0.1:9090" : env);
    boolean json = options.flag("--json");
    String command = options.words().get(0);
    ManagedChannel channel;
    try {
      channel = Grpc.newChannelBuilder(server, channelCredentials(options)).build();
      credentials = callCredentials(options, configDir);
    } catch (IllegalArgumentException | java.io.IOException e) {
      err.println("vmctl: " + e.getMessage());
      return 2;
    }
    try {
      VmServiceGrpc.VmServiceBlockingStub vms = stub(channel);
      if (command.equals("list")) {
        int pageSize = options.integer("--page-size", 100);
        ListVmsRequest.Builder filter = ListVmsRequest.newBuilder().setHostId(options.value("--host", ""));
        String state = options.value("--state", null);
        if (state != null) {
          try {
            filter.setState(VmState.valueOf("VM_STATE_" + state.toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--state: no such state: " + state);
          }
        }
        options.rejectUnknown();
        list(vms, filter, pageSize, json);
        return 0;
      }
      if (command.equals("orphans")) {
        String host = options.value("--host", "");
        options.rejectUnknown();
        var found = vms.listOrphans(io.plasmavmc.api.v1.ListOrphansRequest.newBuilder().setHostId(host).build());
        if (json) {
          out.println(toJson(found));
        } else if (found.getOrphansCount() == 0) {
          out.printf("no orphan QEMU processes on host %s%n", found.getHostId());
        } else {
          out.printf("%-24s %-8s %s%n", "RUNTIME DIR", "PID", "HOST");
          for (var orphan : found.getOrphansList()) {
            out.printf("%-24s %-8d %s%n", orphan.getVmId(), orphan.getQemuPid(), found.getHostId());
          }
          err.println("(no VM owns these; end one with kill PID, or start the worker with --orphans kill)");
        }
        return 0;
      }
      if (command.equals("test-list")) {
        int pageSize = options.integer("--page-size", 20);
        options.rejectUnknown();
        return tests(channel, json).list(pageSize);
      }
      if (command.startsWith("test")) {
        if (options.words().size() < 2) {
          err.println("vmctl: " + command + " needs a run id\n" + usage());
          return 2;
        }
        String run = options.words().get(1);
        return switch (command) {
          case "test" -> tests(channel, json).test(run, options);
          case "test-report" -> {
            options.rejectUnknown();
            yield tests(channel, json).report(run);
          }
          case "test-cancel" -> {
            options.rejectUnknown();
            yield tests(channel, json).cancel(run);
          }
          default -> throw new IllegalArgumentException("unknown command " + command + "\n" + usage());
        };
      }
      if (options.words().size() < 2) {
        err.println("vmctl: " + command + " needs a VM name\n" + usage());
        return 2;
      }
      String name = options.words().get(1);
      if (command.equals("watch")) {
        options.rejectUnknown();
        watch(stub(channel), name, json);
        return 0;
      }
      if (command.equals("console-log")) {
        int bytes = options.integer("--bytes", 0);
        options.rejectUnknown();
        ConsoleLog log = vms.getConsoleLog(GetConsoleLogRequest.newBuilder().setName(name).setMaxBytes(bytes).build());
        if (json) {
          out.println(toJson(log));
        } else {
          out.write(log.getData().toByteArray(), 0, log.getData().size());
          out.flush();
          if (log.getTruncated()) {
            err.printf("(last %d of %d bytes)%n", log.getData().size(), log.getTotalBytes());
          }
        }
        return 0;
      }
      Vm vm = switch (command) {
        case "create" -> create(channel, name, options, json);
        case "start" -> {
          boolean ready = options.flag("--wait-ready");
          yield done(options, () -> vms.startVm(StartVmRequest.newBuilder().setName(name).setWaitForReady(ready).build()));
        }
        case "stop" -> {
          int timeout = options.integer("--timeout", 0);
          boolean force = options.flag("--force");
          options.rejectUnknown();
          if (!json) {
            err.println(force ? "stopping " + name + " (forced)..." : "stopping " + name + " (power button; forced off after "
                + (timeout == 0 ? 60 : timeout) + " s)...");
          }
          yield vms.stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(timeout).setForce(force).build());
        }
        case "pause" -> done(options, () -> vms.pauseVm(PauseVmRequest.newBuilder().setName(name).build()));
        case "resume" -> done(options, () -> vms.resumeVm(ResumeVmRequest.newBuilder().setName(name).build()));
        case "reboot" -> {
          boolean ready = options.flag("--wait-ready");
          yield done(options, () -> vms.rebootVm(RebootVmRequest.newBuilder().setName(name).setWaitForReady(ready).build()));
        }
        case "get" -> done(options, () -> vms.getVm(GetVmRequest.newBuilder().setName(name).build()));
        case "delete" -> done(options, () -> vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build()).getVm());
        default -> throw new IllegalArgumentException("unknown command " + command + "\n" + usage());
      };
      print(vm, json);
      return 0;
    } catch (StatusRuntimeException e) {
      err.println("vmctl: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      printDetails(e);
      if (e.getStatus().getCode() == io.grpc.Status.Code.UNAUTHENTICATED) {
        err.println("(vmctl sends the token in $PLASMAVMC_TOKEN, --token-file FILE, or " + LocalCredentials.tokenFile(configDir)
            + ", which ./plasmavmc up makes)");
      }
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("vmctl: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } finally {
      channel.shutdownNow();
    }
  }

  private interface Call {
    Vm call();
  }

  private static Vm done(Options options, Call call) {
    options.rejectUnknown();
    return call.call();
  }

  private Vm create(ManagedChannel channel, String name, Options options, boolean json) {
    VmSpec.Builder spec = SpecOptions.spec(options);
    boolean waitReady = options.flag("--wait-ready");
    boolean start = options.flag("--start") || waitReady;
    boolean wait = options.flag("--wait");
    CreateVmRequest request = CreateVmRequest.newBuilder()
        .setName(name)
        .setSpec(spec)
        .setStart(start)
        .setWaitForReady(waitReady)
        .setHostId(options.value("--host", ""))
        .setRequestId(options.value("--request-id", UUID.randomUUID().toString()))
        .build();
    options.rejectUnknown();
    VmServiceGrpc.VmServiceBlockingStub vms = stub(channel);
    if (!wait || json) {
      return vms.createVm(request);
    }
    // CreateVm returns once the VM is CREATED (or RUNNING); meanwhile show each state it passes.
    CompletableFuture<Vm> created = CompletableFuture.supplyAsync(() -> vms.createVm(request));
    long started = System.nanoTime();
    VmState shown = VmState.VM_STATE_UNSPECIFIED;
    err.println("creating " + name + (start ? " and starting it" : "") + "...");
    while (true) {
      try {
        Vm vm = created.get(200, TimeUnit.MILLISECONDS);
        err.printf("  %s after %d ms%n", label(vm.getState()), (System.nanoTime() - started) / 1_000_000);
        return vm;
      } catch (TimeoutException e) {
        try {
          Vm vm = vms.getVm(GetVmRequest.newBuilder().setName(name).build());
          if (vm.getState() != shown) {
            shown = vm.getState();
            err.printf("  %s (%s)%n", label(shown), vm.getStateReason());
          }
        } catch (StatusRuntimeException notYet) {
          // the workflow has not started yet
        }
      } catch (ExecutionException e) {
        if (e.getCause() instanceof StatusRuntimeException status) {
          throw status;
        }
        throw new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** What the error's google.rpc.Status details say beyond its message: the field, the state, the reason. */
  private void printDetails(StatusRuntimeException e) {
    com.google.rpc.Status status = io.grpc.protobuf.StatusProto.fromThrowable(e);
    if (status == null) {
      return;
    }
    for (com.google.protobuf.Any detail : status.getDetailsList()) {
      try {
        if (detail.is(com.google.rpc.BadRequest.class)) {
          for (var violation : detail.unpack(com.google.rpc.BadRequest.class).getFieldViolationsList()) {
            err.println("  field " + violation.getField() + ": " + violation.getDescription());
          }
        } else if (detail.is(com.google.rpc.PreconditionFailure.class)) {
          for (var violation : detail.unpack(com.google.rpc.PreconditionFailure.class).getViolationsList()) {
            err.println("  " + violation.getSubject() + ": " + violation.getDescription());
          }
        } else if (detail.is(com.google.rpc.ErrorInfo.class)) {
          err.println("  reason " + detail.unpack(com.google.rpc.ErrorInfo.class).getReason());
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
        // a detail this vmctl cannot read
      }
    }
  }

  /** The caller's token, sent with every call: --token-file, $PLASMAVMC_TOKEN, or the local stack's admin token. */
  private io.grpc.CallCredentials credentials;

  private LifecycleTestCommands tests(ManagedChannel channel, boolean json) {
    io.plasmavmc.api.v1.LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub stub =
        io.plasmavmc.api.v1.LifecycleTestServiceGrpc.newBlockingStub(channel);
    return new LifecycleTestCommands(credentials == null ? stub : stub.withCallCredentials(credentials), out, err, json);
  }

  private VmServiceGrpc.VmServiceBlockingStub stub(ManagedChannel channel) {
    VmServiceGrpc.VmServiceBlockingStub stub = VmServiceGrpc.newBlockingStub(channel);
    return credentials == null ? stub : stub.withCallCredentials(credentials);
  }

  private static io.grpc.CallCredentials callCredentials(Options options, java.nio.file.Path configDir) throws java.io.IOException {
    String file = options.value("--token-file", null);
    String token = file != null ? java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip() : System.getenv("PLASMAVMC_TOKEN");
    if (token == null || token.isBlank()) {
      token = LocalCredentials.readToken(configDir).orElse(null);
    }
    return token == null ? null : new BearerToken(token);
  }

  /** Plaintext (a gateway on loopback), or TLS trusting --ca (and presenting --cert/--key for mutual TLS). */
  private static io.grpc.ChannelCredentials channelCredentials(Options options) throws java.io.IOException {
    String ca = options.value("--ca", System.getenv("PLASMAVMC_CA"));
    String cert = options.value("--cert", null);
    String key = options.value("--key", null);
    if (ca == null || ca.isBlank()) {
      if (cert != null || key != null) {
        throw new IllegalArgumentException("--cert and --key need --ca (the CA of the gateway's certificate)");
      }
      return InsecureChannelCredentials.create();
    }
    io.grpc.TlsChannelCredentials.Builder tls = io.grpc.TlsChannelCredentials.newBuilder().trustManager(new java.io.File(ca));
    if (cert != null && key != null) {
      tls.keyManager(new java.io.File(cert), new java.io.File(key));
    }
    return tls.build();
  }

  private void watch(VmServiceGrpc.VmServiceBlockingStub vms, String name, boolean json) {
    java.util.Iterator<VmEvent> events = vms.watchVm(WatchVmRequest.newBuilder().setName(name).build());
    while (events.hasNext()) {
      VmEvent event = events.next();
      if (json) {
        out.println(toJson(event).replace("\n", " "));
      } else {
        Vm vm = event.getVm();
        out.printf("%s  %-9s %s%s%n", instant(event.getAt()), label(event.getState()), event.getReason(),
            vm.getQemuPid() == 0 ? "" : "  [pid " + vm.getQemuPid() + ", " + vm.getQemuRunState() + "]");
      }
      out.flush();
    }
  }

  private void list(VmServiceGrpc.VmServiceBlockingStub vms, ListVmsRequest.Builder filter, int pageSize, boolean json) {
    String token = "";
    ListVmsResponse.Builder all = ListVmsResponse.newBuilder();
    do {
      ListVmsResponse page = vms.listVms(filter.setPageSize(pageSize).setPageToken(token).build());
      all.addAllVms(page.getVmsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    if (json) {
      out.println(toJson(all));
      return;
    }
    String format = "%-24s %-10s %-14s %-8s %-12s %s%n";
    out.printf(format, "NAME", "STATE", "HOST", "PID", "QEMU", "REASON");
    for (Vm vm : all.getVmsList()) {
      out.printf(format, vm.getName(), label(vm.getState()), vm.getHostId(), vm.getQemuPid() == 0 ? "-" : vm.getQemuPid(),
          vm.getQemuRunState().isEmpty() ? "-" : vm.getQemuRunState(), vm.getStateReason());
    }
  }

  private void print(Vm vm, boolean json) {
    if (json) {
      out.println(toJson(vm));
      return;
    }
    out.printf("name:        %s%n", vm.getName());
    out.printf("state:       %s (%s)%n", label(vm.getState()), vm.getStateReason());
    if (vm.getState() == VmState.VM_STATE_HOST_UNREACHABLE) {
      out.printf("last known:  %s (host unreachable since %s)%n", label(vm.getLastKnownState()), instant(vm.getHostUnreachableSince()));
    }
    if (vm.getGuestReadiness() != io.plasmavmc.api.v1.GuestReadiness.GUEST_READINESS_UNSPECIFIED) {
      out.printf("guest:       %s%s%n", vm.getGuestReadiness().name().replace("GUEST_READINESS_", "").toLowerCase().replace('_', ' '),
          vm.getGuestReady() ? " since " + instant(vm.getGuestReadyAt()) : "");
    }
    out.printf("host:        %s%n", vm.getHostId());
    out.printf("qemu:        %s%n", vm.getQemuPid() == 0 ? "not running" : "pid " + vm.getQemuPid() + ", run state " + vm.getQemuRunState());
    VmSpec spec = vm.getSpec();
    out.printf("spec:        %d vCPU, %d MiB, %s, %s%s%n", spec.getVcpus(), spec.getMemoryMib(), spec.getMachineType(),
        spec.getAccelerator().name().replace("ACCELERATOR_", "").toLowerCase(),
        spec.getKernel().isEmpty() ? "" : ", kernel " + spec.getKernel());
    out.printf("created:     %s%n", instant(vm.getCreatedAt()));
    out.printf("state since: %s%n", instant(vm.getStateChangedAt()));
    if (vm.getRecentOperationsCount() > 0) {
      out.println("operations:");
      List<io.plasmavmc.api.v1.Operation> ops = vm.getRecentOperationsList();
      for (io.plasmavmc.api.v1.Operation op : ops.subList(Math.max(0, ops.size() - 5), ops.size())) {
        out.printf("  %s  %-7s %s%n", instant(op.getStartedAt()), op.getName(), op.getOutcome());
      }
    }
  }

  private static String label(VmState state) {
    return state.name().replace("VM_STATE_", "");
  }

  private static String instant(Timestamp ts) {
    return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos()).toString();
  }

  static String toJson(MessageOrBuilder message) {
    try {
      return JsonFormat.printer().print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
