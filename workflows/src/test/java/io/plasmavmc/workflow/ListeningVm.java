package io.plasmavmc.workflow;

import io.plasmavmc.contract.host.HostEvent;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.ArrayList;
import java.util.List;

/** A VM's workflow as a host's workflow signals it: it only lists the kinds of host events it got. */
@WorkflowInterface
public interface ListeningVm {
  @WorkflowMethod(name = "ListeningVm")
  void run();

  @SignalMethod(name = HostEvent.SIGNAL)
  void hostEvent(HostEvent event);

  @QueryMethod
  List<String> kinds();

  class Impl implements ListeningVm {
    private final List<String> kinds = new ArrayList<>();

    @Override
    public void run() {
      Workflow.await(() -> false);
    }

    @Override
    public void hostEvent(HostEvent event) {
      kinds.add(event.kind());
    }

    @Override
    public List<String> kinds() {
      return kinds;
    }
  }
}
