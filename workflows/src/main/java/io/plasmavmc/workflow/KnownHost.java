package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostWorkflowInput;
import io.plasmavmc.contract.fleet.Reservation;
import io.plasmavmc.contract.fleet.ReserveRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The host as its workflow knows it: the record every query and update answers with, changed
 * only here, published on every change. Reservations are kept sorted by VM id: a record's own
 * map has no stable order, and the workflow iterates them (a drain, the VMs told of the host's
 * silence) the same way on every replay.
 */
final class KnownHost {
  private final String hostId;
  private final HostPublisher publisher = new HostPublisher();
  private final TreeMap<String, Reservation> reservations = new TreeMap<>();
  private final List<OperationRecord> recentOperations = new ArrayList<>();
  private HostInfo info;
  private HostLoad load;
  private Instant lastReportAt;
  private boolean reachable;
  private boolean cordoned;
  private String cordonReason;
  private DrainProgress drain;
  /** Signs of life (registrations and reports applied) in this run: the liveness watch waits for the next. */
  private long heard;

  KnownHost(HostWorkflowInput input) {
    this.hostId = input.hostId();
    HostRecord carried = input.carried();
    if (carried != null) {
      info = carried.info();
      load = carried.load();
      lastReportAt = carried.lastReportAt();
      reachable = carried.reachable();
      reservations.putAll(carried.reservations());
      cordoned = carried.cordoned();
      cordonReason = carried.cordonReason();
      drain = carried.drain();
      recentOperations.addAll(carried.recentOperations());
    }
  }

  HostRecord record() {
    return new HostRecord(hostId, info, load, lastReportAt, reachable, reservations, cordoned, cordonReason, drain, recentOperations);
  }

  String hostId() {
    return hostId;
  }

  boolean registered() {
    return info != null;
  }

  boolean reachable() {
    return reachable;
  }

  Instant lastReportAt() {
    return lastReportAt;
  }

  long heard() {
    return heard;
  }

  boolean holds(String vmId) {
    return reservations.containsKey(vmId);
  }

  /** The VMs holding room here, by id. */
  List<String> vmIds() {
    return List.copyOf(reservations.keySet());
  }

  DrainProgress drain() {
    return drain;
  }

  boolean draining() {
    return drain != null && !drain.done();
  }

  /** A worker (re)started on the host: what it is, and a sign of life; its reports are numbered anew. */
  void register(HostInfo registered) {
    info = registered;
    load = load == null ? null : new HostLoad(load.vms(), load.vcpusCommitted(), load.memoryCommittedMib(), load.memoryFreeMib(),
        load.observedAt(), -1);
    heardFrom();
  }

  /** Applies a report newer than the last (by its worker's numbering); returns whether it was. */
  boolean report(HostLoad reported) {
    if (load != null && reported.seq() <= load.seq()) {
      return false;
    }
    load = reported;
    heardFrom();
    return true;
  }

  private void heardFrom() {
    lastReportAt = now();
    reachable = true;
    heard++;
    publish();
  }

  void markUnreachable() {
    reachable = false;
    publish();
  }

  void reserve(ReserveRequest request) {
    reservations.putIfAbsent(request.vmId(), new Reservation(request.vmId(), request.vcpus(), request.memoryMib(), now()));
    publish();
  }

  void release(String vmId) {
    if (reservations.remove(vmId) != null) {
      publish();
    }
  }

  void cordon(boolean value, String reason) {
    cordoned = value;
    cordonReason = value ? reason : null;
    publish();
  }

  void drainProgress(DrainProgress progress) {
    drain = progress;
    publish();
  }

  void operation(String name, String outcome, Instant startedAt) {
    recentOperations.add(new OperationRecord(name, outcome, startedAt, now()));
    while (recentOperations.size() > VmRecord.RECENT_OPERATIONS) {
      recentOperations.remove(0);
    }
    publish();
  }

  void publish() {
    publisher.publish(record());
  }
}
