package io.plasmavmc.host;

import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.host.qga.GuestAgentClient;
import io.plasmavmc.support.DaemonThreads;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the guest agents of booting guests to answer, with a small pool for the whole host:
 * every {@code RETRY} each waiting VM's agent channel gets a guest-sync with a short timeout.
 * Nothing answers until the guest runs qemu-ga; the first answer makes the guest ready.
 */
public final class AgentWaits implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentWaits.class);
  private static final Duration RETRY = Duration.ofMillis(200);
  private static final Duration ATTEMPT = Duration.ofMillis(500);

  private final ScheduledExecutorService pool;
  private final Duration askEvery;

  public AgentWaits(Duration askEvery, int threads) {
    this.askEvery = askEvery;
    this.pool = Executors.newScheduledThreadPool(threads, DaemonThreads.named("agent-waits"));
  }

  /**
   * Completes ready once the agent on {@code socket} answers, unready when {@code timeout} passes;
   * cancelled when {@code wanted} says false.
   */
  public CompletableFuture<ProbeResult> await(Path socket, Duration timeout, BooleanSupplier wanted) {
    CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    long[] lastAsked = {System.nanoTime()};
    int[] attempts = {0};
    String[] lastError = {"no answer"};
    Runnable[] attempt = new Runnable[1];
    attempt[0] = () -> {
      if (result.isDone()) {
        return;
      }
      attempts[0]++;
      try (GuestAgentClient agent = GuestAgentClient.connect(socket, ATTEMPT)) {
        if (agent.sync(ATTEMPT)) {
          log.info("guest agent on {} answered (attempt {})", socket, attempts[0]);
          result.complete(new ProbeResult(true, "the guest agent answered guest-sync", System.currentTimeMillis()));
          return;
        }
        lastError[0] = "no answer to guest-sync";
      } catch (IOException e) {
        lastError[0] = e.toString(); // QEMU's end of the channel is not there yet, or is busy: try again
      } catch (RuntimeException | Error e) {
        // Whatever went wrong, the wait goes on (a task that threw would end it silently).
        lastError[0] = e.toString();
        log.warn("guest agent wait on {}: {}", socket, e.toString(), e);
      }
      long now = System.nanoTime();
      if (now - deadline >= 0) {
        log.info("guest agent on {} did not answer in {} attempts (last: {})", socket, attempts[0], lastError[0]);
        result.complete(ProbeResult.none());
        return;
      }
      if (now - lastAsked[0] >= askEvery.toNanos()) {
        lastAsked[0] = now;
        if (!wanted.getAsBoolean()) {
          log.info("guest agent wait on {} no longer wanted after {} attempts (last: {})", socket, attempts[0], lastError[0]);
          result.cancel(false);
          return;
        }
      }
      pool.schedule(attempt[0], RETRY.toMillis(), TimeUnit.MILLISECONDS);
    };
    pool.execute(attempt[0]);
    return result;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
