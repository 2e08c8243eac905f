package io.plasmavmc.contract.spec;

/** A user-mode network host port forward: hostAddress:hostPort on the host to guestPort in the guest. */
public record PortForward(Protocol protocol, String hostAddress, int hostPort, int guestPort) {
  public enum Protocol {
    TCP,
    UDP
  }
}
