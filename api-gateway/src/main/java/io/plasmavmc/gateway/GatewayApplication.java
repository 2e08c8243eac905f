package io.plasmavmc.gateway;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
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
  public record TemporalProperties(String address, String namespace) {
    public TemporalProperties {
      address = address == null ? "127.0.0.1:7233" : address;
      namespace = namespace == null ? "default" : namespace;
    }
  }

  @ConfigurationProperties("plasmavmc.gateway")
  public record GatewayProperties(String bindAddress, Integer port, String defaultHostId, Duration hostTaskTimeout, String listSource) {}

  public static void main(String[] args) {
    SpringApplication.run(GatewayApplication.class, args);
  }

  @Bean(destroyMethod = "shutdown")
  WorkflowServiceStubs workflowService(TemporalProperties temporal) {
    return WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.address()).build());
  }

  @Bean
  WorkflowClient workflowClient(WorkflowServiceStubs service, TemporalProperties temporal) {
    return WorkflowClient.newInstance(service, WorkflowClientOptions.newBuilder().setNamespace(temporal.namespace()).build());
  }

  @Bean(destroyMethod = "close")
  GatewayServer gatewayServer(WorkflowClient client, GatewayProperties gateway) {
    return new GatewayServer(client, new GatewaySettings(gateway.bindAddress(), gateway.port() == null ? 9090 : gateway.port(), gateway.defaultHostId(),
        gateway.hostTaskTimeout(), gateway.listSource())).start();
  }
}
