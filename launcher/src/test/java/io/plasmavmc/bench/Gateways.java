package io.plasmavmc.bench;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.cli.BearerToken;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateways a benchmark calls (plaintext on loopback, as the admin): call {@code i} goes to
 * gateway {@code i} modulo their number, since a client may use any of them; every call has its
 * own deadline, so a stuck one is a failure counted, not a benchmark that never ends.
 */
final class Gateways implements AutoCloseable {
  private static final long DEADLINE_MINUTES = 3;

  private final List<ManagedChannel> channels;
  private final BearerToken token;

  Gateways(List<String> addresses, BearerToken token) {
    this.channels = addresses.stream()
        .map(address -> Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build()).toList();
    this.token = token;
  }

  VmServiceGrpc.VmServiceBlockingStub vms(int i) {
    return VmServiceGrpc.newBlockingStub(channels.get(Math.floorMod(i, channels.size()))).withCallCredentials(token)
        .withDeadlineAfter(DEADLINE_MINUTES, TimeUnit.MINUTES);
  }

  int count() {
    return channels.size();
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
  }
}
