package io.plasmavmc.contract;

import java.time.Instant;

/**
 * A snapshot of a VM's own qcow2 disks, with the guest's RAM and device state when it was taken
 * of a running (or paused) VM ({@code withMemory}, {@code vmStateBytes} of it), disk-only when
 * taken of a stopped one.
 */
public record Snapshot(String name, Instant createdAt, boolean withMemory, long vmStateBytes) {}
