package io.plasmavmc.bench;

import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One VM operation on many names from a bounded number of client threads (1: one at a time, in
 * order), call {@code i} through gateway {@code i} of the {@link Gateways}; each call timed, and a
 * failed call recorded with its error rather than thrown, so that every failure is counted.
 */
final class Burst {
  /** A call on one VM; it throws when the VM is not as expected (counted as a failure). */
  interface Call {
    Vm apply(VmServiceGrpc.VmServiceBlockingStub vms, String name);
  }

  record Outcome(String name, Vm vm, String failure, double millis) {}

  record Result(List<Outcome> outcomes, double seconds) {
    List<String> succeeded() {
      return outcomes.stream().filter(o -> o.failure() == null).map(Outcome::name).toList();
    }

    List<Outcome> failures() {
      return outcomes.stream().filter(o -> o.failure() != null).toList();
    }

    List<Double> millis() {
      return outcomes.stream().filter(o -> o.failure() == null).map(Outcome::millis).toList();
    }

    /** VMs per host, as the calls' answers name it. */
    Map<String, Integer> spread() {
      Map<String, Integer> spread = new TreeMap<>();
      outcomes.stream().filter(o -> o.vm() != null).forEach(o -> spread.merge(o.vm().getHostId(), 1, Integer::sum));
      return spread;
    }
  }

  private Burst() {}

  static Result run(Gateways gateways, List<String> names, int clients, Call call) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(clients, names.size())));
    try {
      long began = System.nanoTime();
      List<Future<Outcome>> futures = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        int n = i;
        futures.add(pool.submit(() -> once(gateways.vms(n), names.get(n), call)));
      }
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> future : futures) {
        outcomes.add(future.get());
      }
      return new Result(outcomes, (System.nanoTime() - began) / 1e9);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a client thread failed outside its call", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static Outcome once(VmServiceGrpc.VmServiceBlockingStub vms, String name, Call call) {
    long began = System.nanoTime();
    try {
      Vm vm = call.apply(vms, name);
      return new Outcome(name, vm, null, (System.nanoTime() - began) / 1e6);
    } catch (RuntimeException e) {
      return new Outcome(name, null, e.toString(), (System.nanoTime() - began) / 1e6);
    }
  }
}
