package io.plasmavmc.contract.spec;

/** A disk image on the VM's host, attached through -blockdev. */
public record DiskSpec(String path, DiskFormat format, boolean readOnly) {}
