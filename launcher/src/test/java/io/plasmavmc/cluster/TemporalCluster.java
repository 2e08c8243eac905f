package io.plasmavmc.cluster;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.VmSearchAttributes;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Temporal's server as docker-compose.yml runs it, natively: the compose's schema job
 * (deploy/temporal/setup-schema.sh: temporal-sql-tool create, setup-schema -v 0.0, update-schema for
 * temporal and temporal_visibility), then `temporal-server start` with the server image's own
 * embedded configuration template and the compose's environment (DB=postgres12, the PostgreSQL
 * seeds, user and password, deploy/temporal/dynamicconfig.yaml, Prometheus), then the compose's
 * namespace job (deploy/temporal/setup-namespace.sh: namespace default, the search attributes
 * VmName, VmState, VmHost). Where the test differs it says so: the server binds the test network's
 * control address instead of the container's 0.0.0.0, on the compose's ports where they are free.
 */
final class TemporalCluster {
  static final String NAMESPACE = "default";
  private static final Duration SCHEMA_LIMIT = Duration.ofSeconds(120);
  private static final Duration PORT_LIMIT = Duration.ofSeconds(60);
  private static final Duration NAMESPACE_LIMIT = Duration.ofSeconds(150);

  private final ClusterTools tools;
  private final PostgresCluster postgres;
  private final Path dir;
  private final Path logs;
  private final String address;
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private LoggedProcess server;

  TemporalCluster(ClusterTools tools, PostgresCluster postgres, Path dir, Path logs, String address, Ports free) {
    this.tools = tools;
    this.postgres = postgres;
    this.dir = dir;
    this.logs = logs;
    this.address = address;
    // The server image's variables for its ports, with the compose's (the template's) defaults.
    ports.put("FRONTEND_GRPC_PORT", free.prefer(7233));
    ports.put("FRONTEND_HTTP_PORT", free.prefer(7243));
    ports.put("FRONTEND_MEMBERSHIP_PORT", free.prefer(6933));
    ports.put("HISTORY_GRPC_PORT", free.prefer(7234));
    ports.put("HISTORY_MEMBERSHIP_PORT", free.prefer(6934));
    ports.put("MATCHING_GRPC_PORT", free.prefer(7235));
    ports.put("MATCHING_MEMBERSHIP_PORT", free.prefer(6935));
    ports.put("WORKER_GRPC_PORT", free.prefer(7239));
    ports.put("WORKER_MEMBERSHIP_PORT", free.prefer(6939));
    ports.put("PROMETHEUS_PORT", free.prefer(8000));
  }

  /** The frontend's gRPC address, where workers, gateways and the namespace job connect. */
  String frontend() {
    return address + ":" + ports.get("FRONTEND_GRPC_PORT");
  }

  Map<String, Integer> ports() {
    return Map.copyOf(ports);
  }

  /** The compose's schema job, run as it is against the private PostgreSQL. */
  void setUpSchema() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("PATH", tools.sqlTool().getParent() + ":/usr/bin:/bin");
    environment.put("POSTGRES_SEEDS", postgres.address());
    environment.put("DB_PORT", Integer.toString(postgres.port()));
    environment.put("POSTGRES_USER", PostgresCluster.USER);
    environment.put("SQL_PASSWORD", postgres.password());
    environment.put("TEMPORAL_SCHEMA_DIR", tools.schemaDir().toString());
    environment.put("PLASMAVMC_INIT_TIMEOUT", "60");
    runJob("setup-schema.sh", environment, SCHEMA_LIMIT, "schema");
  }

  /** Starts the server and waits until its frontend listens; a failure names the server and quotes its log. */
  void start() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("PATH", "/usr/bin:/bin");
    environment.put("HOME", dir.toString());
    // As docker-compose.yml's temporal service sets them:
    environment.put("DB", "postgres12");
    environment.put("DB_PORT", Integer.toString(postgres.port()));
    environment.put("POSTGRES_SEEDS", postgres.address());
    environment.put("POSTGRES_USER", PostgresCluster.USER);
    environment.put("POSTGRES_PWD", postgres.password());
    environment.put("DYNAMIC_CONFIG_FILE_PATH", tools.deployFile("dynamicconfig.yaml").toString());
    environment.put("PROMETHEUS_ENDPOINT", address + ":" + ports.get("PROMETHEUS_PORT"));
    // The test network instead of the container's 0.0.0.0: the server binds the control address
    // and tells its peers (membership) that address, as the image's entrypoint does for 0.0.0.0.
    environment.put("BIND_ON_IP", address);
    environment.put("TEMPORAL_BROADCAST_ADDRESS", address);
    ports.forEach((name, port) -> {
      if (!name.equals("PROMETHEUS_PORT")) {
        environment.put(name, Integer.toString(port));
      }
    });
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot make " + dir + ": " + e.getMessage(), e);
    }
    // The image's command: `temporal-server start`, no config file (the embedded template).
    server = new LoggedProcess("temporal-server", List.of(tools.temporalServer().toString(), "start"), environment, dir,
        logs.resolve("temporal-server.log")).start();
    int port = ports.get("FRONTEND_GRPC_PORT");
    server.await(() -> listening(port), "its frontend to listen on " + frontend(), PORT_LIMIT);
  }

  /** The compose's namespace job: it waits for SERVING, makes the namespace and the search attributes; then checks them. */
  void setUpNamespace() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("PATH", tools.temporalCli().getParent() + ":/usr/bin:/bin");
    // The CLI reads its client configuration from the home directory: an empty one of the cluster's.
    environment.put("HOME", dir.toString());
    environment.put("TEMPORAL_ADDRESS", frontend());
    environment.put("PLASMAVMC_NAMESPACE", NAMESPACE);
    environment.put("PLASMAVMC_INIT_TIMEOUT", Long.toString(NAMESPACE_LIMIT.toSeconds() - 10));
    runJob("setup-namespace.sh", environment, NAMESPACE_LIMIT, "namespace");
    checkNamespace();
  }

  /** The namespace is served and has every search attribute PlasmaVMC's workflows set (the job's list is the contract's). */
  private void checkNamespace() {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(frontend()).build());
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setChannel(stubs.getRawChannel()).validateAndBuildWithDefaults());
    try {
      stubs.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(NAMESPACE).build());
      Set<String> known = operator.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS)
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(NAMESPACE).build())
          .getCustomAttributesMap().keySet();
      Set<String> wanted = VmSearchAttributes.ALL.stream().map(key -> key.getName()).collect(Collectors.toSet());
      if (!known.containsAll(wanted)) {
        throw new IllegalStateException("the namespace job left namespace " + NAMESPACE + " without PlasmaVMC's search attributes "
            + wanted + " (it has " + known + "): deploy/temporal/setup-namespace.sh and contract's VmSearchAttributes disagree");
      }
    } catch (StatusRuntimeException e) {
      throw new IllegalStateException("Temporal at " + frontend() + " does not serve namespace " + NAMESPACE + " after the namespace job: "
          + e.getStatus() + "; the end of " + server.log() + ":\n" + server.tail(), e);
    } finally {
      operator.shutdownNow();
      stubs.shutdownNow();
    }
  }

  /** SIGTERM (the server drains), SIGKILL past 20 s: before PostgreSQL stops, or the server waits on it. */
  void stop() {
    if (server != null) {
      server.stop(Duration.ofSeconds(20));
    }
  }

  Path log() {
    return logs.resolve("temporal-server.log");
  }

  private void runJob(String script, Map<String, String> environment, Duration limit, String what) {
    Path log = logs.resolve(what + "-job.log");
    Command.Result result = Command.of("sh", tools.deployFile(script).toString()).withOnlyEnvironment(environment).in(tools.repository())
        .attempt(limit);
    try {
      Files.writeString(log, result.output(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      // the message below quotes the output
    }
    if (result.exitCode() != 0) {
      throw new IllegalStateException("the compose's " + what + " job (deploy/temporal/" + script + ") "
          + (result.exitCode() == Command.TIMED_OUT ? "did not end within " + limit.toSeconds() + " s" : "failed (exit " + result.exitCode() + ")")
          + "; its output's end:\n" + Command.tail(result.output(), 15)
          + (server == null ? "" : "\nthe end of " + server.log() + ":\n" + server.tail()));
    }
  }

  private boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
