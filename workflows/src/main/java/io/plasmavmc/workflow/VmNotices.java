package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.host.HostEvent;
import io.temporal.workflow.Async;
import io.temporal.workflow.ExternalWorkflowStub;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * What a host's workflow tells the VMs holding room on it: a {@link HostEvent} of the host's own
 * (no QEMU instance), signalled to each VM's workflow by id through an untyped stub, all at once.
 * A VM whose workflow has ended meanwhile is passed over.
 */
final class VmNotices {
  private static final Logger log = Workflow.getLogger(VmNotices.class);

  private VmNotices() {}

  /** Signals {@code kind} of host {@code hostId} to every VM of {@code vmIds} and waits until each was delivered or refused. */
  static void tell(String hostId, List<String> vmIds, String kind, String detail) {
    List<Promise<Void>> sent = new ArrayList<>();
    for (String vmId : vmIds) {
      ExternalWorkflowStub vm = Workflow.newUntypedExternalWorkflowStub(TaskQueues.workflowId(vmId));
      HostEvent event = new HostEvent(vmId, 0, kind, null, now(), detail, hostId);
      sent.add(Async.procedure(() -> vm.signal(HostEvent.SIGNAL, event)).exceptionally(failure -> {
        log.info("VM {} not told {}: {}", vmId, kind, failure.getMessage());
        return null;
      }));
    }
    Promise.allOf(sent).get();
  }
}
