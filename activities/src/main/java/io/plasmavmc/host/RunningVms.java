package io.plasmavmc.host;

import io.plasmavmc.host.vmm.SpecSize;

/** The VMs whose QEMU runs on this host: how many, and the vCPUs and memory their specs take together. */
public record RunningVms(int count, SpecSize size) {}
