package io.plasmavmc.host.vmm;

/** What a VM's spec takes of its host: its vCPUs and its memory in MiB. */
public record SpecSize(int vcpus, long memoryMib) {
  /** The size of a VM whose spec cannot be read: it is counted, but as taking nothing. */
  public static final SpecSize UNKNOWN = new SpecSize(0, 0);

  public SpecSize plus(SpecSize other) {
    return new SpecSize(vcpus + other.vcpus, memoryMib + other.memoryMib);
  }
}
