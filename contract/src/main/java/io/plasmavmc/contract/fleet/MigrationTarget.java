package io.plasmavmc.contract.fleet;

/**
 * The host a migration goes to, its room reserved there: its id, its address on the hosts' network
 * (where its QEMU listens for the VM's state), and why it was chosen, in an operator's words.
 */
public record MigrationTarget(String hostId, String address, String reason) {}
