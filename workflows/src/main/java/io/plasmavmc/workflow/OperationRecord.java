package io.plasmavmc.workflow;

import java.time.Instant;

/** One lifecycle operation as the VM's history summary shows it. */
public record OperationRecord(String name, String outcome, Instant startedAt, Instant finishedAt) {}
