package io.plasmavmc.gateway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.plasmavmc.support.PrometheusEndpoint;
import io.plasmavmc.support.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** The gateway as its own process, configured by Spring Boot (plasmavmc.* properties or environment). */
@SpringBootApplication
@EnableConfigurationProperties({GatewayApplication.TemporalProperties.class, GatewayApplication.GatewayProperties.class})
public class GatewayApplication {

  @ConfigurationProperties("plasmavmc.temporal")
  public record TemporalProperties(String address, String namespace, Path tlsCa, Path tlsCert,
      Path tlsKey, String tlsServerName, String apiKey) {
    TemporalConnection connection() {
      return new TemporalConnection(address, namespace, tlsCa, tlsCert, tlsKey, tlsServerName, apiKey);
    }
  }

  @ConfigurationProperties("plasmavmc.gateway")
  public record GatewayProperties(String bindAddress, Integer port, String defaultHostId, Duration hostTaskTimeout,
      Path tokensFile, Path tlsCert, Path tlsKey, Path clientCa,
      Integer metricsPort, String metricsBind) {}

  public static void main(String[] args) {
    SpringApplication.run(GatewayApplication.class, args);
  }

  @Bean
  PrometheusMeterRegistry meterRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  @Bean(destroyMethod = "shutdown")
  WorkflowServiceStubs workflowService(TemporalProperties temporal, PrometheusMeterRegistry registry) {
    return WorkflowServiceStubs.newServiceStubs(temporal.connection().stubOptions(registry).build());
  }

  @Bean
  WorkflowClient workflowClient(WorkflowServiceStubs service, TemporalProperties temporal) {
    return WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace(temporal.connection().namespace()).build());
  }

  @Bean(destroyMethod = "close")
  GatewayServer gatewayServer(WorkflowClient client, GatewayProperties gateway, PrometheusMeterRegistry registry) {
    return new GatewayServer(client, new GatewaySettings(gateway.bindAddress(), gateway.port() == null ? 9090 : gateway.port(), gateway.defaultHostId(),
        gateway.hostTaskTimeout(),
        new GatewaySecurity(gateway.tokensFile(), gateway.tlsCert(), gateway.tlsKey(), gateway.clientCa())), registry).start();
  }

  /** Prometheus metrics on plasmavmc.gateway.metrics-port (off unless set). */
  @Bean(destroyMethod = "close")
  AutoCloseable metricsEndpoint(GatewayProperties gateway, GatewayServer server, PrometheusMeterRegistry registry) {
    if (gateway.metricsPort() == null || gateway.metricsPort() < 0) {
      return () -> {};
    }
    return new PrometheusEndpoint(gateway.metricsBind() == null ? "127.0.0.1" : gateway.metricsBind(),
        gateway.metricsPort(), registry, List.of(server::refreshGauges), List.of());
  }
}
