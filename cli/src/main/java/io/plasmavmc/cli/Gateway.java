package io.plasmavmc.cli;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.HostServiceGrpc.HostServiceBlockingStub;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.ImageServiceGrpc.ImageServiceBlockingStub;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmServiceGrpc.VmServiceBlockingStub;

/** One command's connection to the gateway: its services, each call with the caller's token (none: null). */
record Gateway(ManagedChannel channel, CallCredentials token) implements AutoCloseable {
  VmServiceBlockingStub vms() {
    VmServiceBlockingStub stub = VmServiceGrpc.newBlockingStub(channel);
    return token == null ? stub : stub.withCallCredentials(token);
  }

  ImageServiceBlockingStub images() {
    ImageServiceBlockingStub stub = ImageServiceGrpc.newBlockingStub(channel);
    return token == null ? stub : stub.withCallCredentials(token);
  }

  HostServiceBlockingStub hosts() {
    HostServiceBlockingStub stub = HostServiceGrpc.newBlockingStub(channel);
    return token == null ? stub : stub.withCallCredentials(token);
  }

  LifecycleTestServiceBlockingStub tests() {
    LifecycleTestServiceBlockingStub stub = LifecycleTestServiceGrpc.newBlockingStub(channel);
    return token == null ? stub : stub.withCallCredentials(token);
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
