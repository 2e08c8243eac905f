package io.plasmavmc.contract.spec;

/**
 * cloud-init's NoCloud data for a VM: the host writes it to a small {@code cidata} seed image
 * attached read-only. {@code metaData} empty: instance-id is the VM's uuid, local-hostname its
 * name. Each part is bounded; none reaches a shell or a QEMU option.
 */
public record CloudInit(String userData, String metaData, String networkConfig) {
  public static final int MAX_USER_DATA_BYTES = 64 * 1024;
  public static final int MAX_META_DATA_BYTES = 16 * 1024;
  public static final int MAX_NETWORK_CONFIG_BYTES = 16 * 1024;
}
