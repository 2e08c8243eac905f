package io.plasmavmc.gateway;

import io.plasmavmc.support.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
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
  public record TemporalProperties(String address, String namespace, java.nio.file.Path tlsCa, java.nio.file.Path tlsCert,
      java.nio.file.Path tlsKey, String tlsServerName, String apiKey) {
    TemporalConnection connection() {
      return new TemporalConnection(address, namespace, tlsCa, tlsCert, tlsKey, tlsServerName, apiKey);
    }
  }

  @ConfigurationProperties("plasmavmc.gateway")
  public record GatewayProperties(String bindAddress, Integer port, String defaultHostId, Duration hostTaskTimeout, String listSource,
      java.nio.file.Path tokensFile, java.nio.file.Path tlsCert, java.nio.file.Path tlsKey, java.nio.file.Path clientCa,
      Integer metricsPort, String metricsBind) {}

  public static void main(String[] args) {
    SpringApplication.run(GatewayApplication.class, args);
  }

  @Bean
  io.micrometer.prometheusmetrics.PrometheusMeterRegistry meterRegistry() {
    return new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
  }

  @Bean(destroyMethod = "shutdown")
  WorkflowServiceStubs workflowService(TemporalProperties temporal, io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry) {
    return WorkflowServiceStubs.newServiceStubs(temporal.connection().stubOptions(registry).build());
  }

  @Bean
  WorkflowClient workflowClient(WorkflowServiceStubs service, TemporalProperties temporal) {
    return WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace(temporal.connection().namespace()).build());
  }

  @Bean(destroyMethod = "close")
  GatewayServer gatewayServer(WorkflowClient client, GatewayProperties gateway, io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry) {
    return new GatewayServer(client, new GatewaySettings(gateway.bindAddress(), gateway.port() == null ? 9090 : gateway.port(), gateway.defaultHostId(),
        gateway.hostTaskTimeout(), gateway.listSource(),
        new GatewaySecurity(gateway.tokensFile(), gateway.tlsCert(), gateway.tlsKey(), gateway.clientCa())), registry).start();
  }

  /** Prometheus metrics on plasmavmc.gateway.metrics-port (off unless set). */
  @Bean(destroyMethod = "close")
  AutoCloseable metricsEndpoint(GatewayProperties gateway, GatewayServer server, io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry) {
    if (gateway.metricsPort() == null || gateway.metricsPort() < 0) {
      return () -> {};
    }
    return new io.plasmavmc.support.PrometheusEndpoint(gateway.metricsBind() == null ? "127.0.0.1" : gateway.metricsBind(),
        gateway.metricsPort(), registry, java.util.List.of(server::refreshGauges), java.util.List.of());
  }
}
