package io.plasmavmc.bench;

import com.google.protobuf.Timestamp;
import io.plasmavmc.contract.TaskQueues;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How long placement took, read afterwards from each VM's workflow history (workflow id
 * {@code vm-<name>}, {@link TaskQueues#workflowId}), so that measuring it adds nothing to the
 * CreateVm being measured: the FleetPlace activity's scheduled → started (waiting for a worker of
 * the control queue) and started → completed (listing the hosts, ranking them, reserving the room
 * by an Update to the chosen host's workflow). The server's event times have millisecond precision.
 */
final class PlacementTimes {
  /** {@code FleetActivities.place}: its interface's name prefix and the method's name, capitalised. */
  static final String ACTIVITY = "FleetPlace";

  record Placement(double queuedMillis, double runMillis) {
    double totalMillis() {
      return queuedMillis + runMillis;
    }
  }

  private PlacementTimes() {}

  /** The placements of those VMs whose history shows one completed (a VM named to its host is placed too). */
  static List<Placement> read(WorkflowClient client, List<String> vmNames) {
    List<Placement> placements = new ArrayList<>();
    for (String name : vmNames) {
      of(client, name).ifPresent(placements::add);
    }
    return placements;
  }

  static Optional<Placement> of(WorkflowClient client, String vmName) {
    long scheduledId = -1;
    Timestamp scheduled = null;
    Timestamp started = null;
    try (Stream<HistoryEvent> history = client.streamHistory(TaskQueues.workflowId(vmName))) {
      for (Iterator<HistoryEvent> events = history.iterator(); events.hasNext(); ) {
        HistoryEvent event = events.next();
        switch (event.getEventType()) {
          case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
            if (scheduledId < 0 && ACTIVITY.equals(event.getActivityTaskScheduledEventAttributes().getActivityType().getName())) {
              scheduledId = event.getEventId();
              scheduled = event.getEventTime();
            }
          }
          case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
            if (event.getActivityTaskStartedEventAttributes().getScheduledEventId() == scheduledId) {
              started = event.getEventTime();
            }
          }
          case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
            if (event.getActivityTaskCompletedEventAttributes().getScheduledEventId() == scheduledId && started != null) {
              return Optional.of(new Placement(millisBetween(scheduled, started), millisBetween(started, event.getEventTime())));
            }
          }
          default -> {
            // other events say nothing of placement
          }
        }
      }
    }
    return Optional.empty();
  }

  private static double millisBetween(Timestamp from, Timestamp to) {
    return (to.getSeconds() - from.getSeconds()) * 1e3 + (to.getNanos() - from.getNanos()) / 1e6;
  }
}
