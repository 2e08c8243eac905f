package io.plasmavmc.worker;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.plasmavmc.contract.fleet.Labels;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.support.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** The host worker as its own process, configured by Spring Boot (plasmavmc.* properties or environment). */
@SpringBootApplication
@EnableConfigurationProperties({WorkerApplication.TemporalProperties.class, WorkerApplication.WorkerProperties.class})
public class WorkerApplication {

  @ConfigurationProperties("plasmavmc.temporal")
  public record TemporalProperties(String address, String namespace, Path tlsCa, Path tlsCert, Path tlsKey,
      String tlsServerName, String apiKey) {
    TemporalConnection connection() {
      return new TemporalConnection(address, namespace, tlsCa, tlsCert, tlsKey, tlsServerName, apiKey);
    }
  }

  /**
   * {@code labels}: {@code key=value,...}; {@code address}: the host's as the fleet shows it (default: its primary address);
   * {@code maxConcurrentSpawns}, {@code qemuNice}, {@code deadlockDetectionTimeout}: how the host keeps up under load (see
   * {@link HostLimits}, {@link LoadSettings}).
   */
  @ConfigurationProperties("plasmavmc.worker")
  public record WorkerProperties(String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots, String kvm, String orphans,
      Integer metricsPort, String metricsBind, String qemuUser, Integer maxVms, Double memoryOvercommit, List<String> forwardAddresses,
      String forwardPorts, Path imageStore, Path importDir, Path vmsDir, Path artifactsDir, String address, List<String> labels,
      Double cpuAllocationRatio, Integer maxConcurrentSpawns, Integer qemuNice, Duration deadlockDetectionTimeout) {
    HostLimits limits() {
      HostLimits defaults = HostLimits.defaults();
      String ports = forwardPorts == null || forwardPorts.isBlank() ? defaults.minForwardPort() + "-" + defaults.maxForwardPort() : forwardPorts;
      String[] range = ports.split("-", 2);
      return new HostLimits(forwardAddresses == null || forwardAddresses.isEmpty() ? defaults.forwardAddresses() : forwardAddresses,
          Integer.parseInt(range[0].trim()), Integer.parseInt(range[range.length - 1].trim()),
          maxVms == null ? defaults.maxVms() : maxVms, memoryOvercommit == null ? defaults.memoryOvercommit() : memoryOvercommit,
          cpuAllocationRatio == null ? defaults.cpuAllocationRatio() : cpuAllocationRatio,
          maxConcurrentSpawns == null ? defaults.maxConcurrentSpawns() : maxConcurrentSpawns);
    }

    LoadSettings load() {
      return LoadSettings.of(qemuNice, deadlockDetectionTimeout);
    }

    Map<String, String> hostLabels() {
      return Labels.parse(labels == null ? List.of() : labels, "plasmavmc.worker.labels");
    }
  }

  public static void main(String[] args) {
    SpringApplication.run(WorkerApplication.class, args);
  }

  @Bean
  PrometheusMeterRegistry meterRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  @Bean(destroyMethod = "shutdown")
  WorkflowServiceStubs workflowService(TemporalProperties temporal, PrometheusMeterRegistry registry) {
    return temporal.connection().connect(registry);
  }

  @Bean
  WorkflowClient workflowClient(WorkflowServiceStubs service, TemporalProperties temporal) {
    return WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace(temporal.connection().namespace()).build());
  }

  @Bean(destroyMethod = "close")
  HostWorker hostWorker(WorkflowClient client, WorkerProperties worker, PrometheusMeterRegistry registry) {
    HostWorker started = new HostWorker(client, new WorkerSettings(worker.hostId(), worker.runtimeDir(), worker.qemuBinary(),
        worker.imageRoots(), worker.kvm(), worker.orphans(), worker.qemuUser(), worker.limits(),
        new HostStorage(worker.imageStore(), worker.importDir(), worker.vmsDir(), worker.artifactsDir()))
        .withFleet(worker.address(), worker.hostLabels()).withLoad(worker.load()), registry).start();
    if (worker.metricsPort() != null && worker.metricsPort() >= 0) {
      started.serveMetrics(worker.metricsBind() == null ? "127.0.0.1" : worker.metricsBind(), worker.metricsPort());
    }
    return started;
  }
}
