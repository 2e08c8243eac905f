package io.plasmavmc.host;

import com.google.re2j.Pattern;
import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.support.DaemonThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for patterns on the serial consoles of this host's guests, with one thread for the whole
 * host: every {@code POLL} it reads what each waited-on console gained since the last look and
 * matches it line by line (the unfinished last line too, so a prompt such as {@code login: } that
 * ends without a newline is seen). A wait costs a file read per tick, no thread and no activity slot.
 */
public final class ConsoleWaits implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConsoleWaits.class);
  static final Duration POLL = Duration.ofMillis(10);
  /** A longer line is matched in pieces of this size: a guest cannot make the host buffer without bound. */
  private static final int MAX_LINE = 4096;
  private static final int READ_CHUNK = 64 * 1024;

  private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("console-waits"));
  private final Map<Wait, Boolean> waits = new ConcurrentHashMap<>();
  private final Duration askEvery;
  private final AtomicLong rounds = new AtomicLong();

  /** {@code askEvery}: how often each wait's {@code wanted} is asked (it heartbeats an activity). */
  public ConsoleWaits(Duration askEvery) {
    this.askEvery = askEvery;
    ticks.scheduleWithFixedDelay(this::tick, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits until a line written to {@code log} after byte {@code fromOffset} matches {@code pattern},
   * or {@code timeout} passes (then completes unmatched), or {@code wanted} says false (then the
   * future is cancelled).
   */
  public CompletableFuture<ProbeResult> await(Path log, String pattern, long fromOffset, Duration timeout, BooleanSupplier wanted) {
    Wait wait = new Wait(log, Pattern.compile(pattern), fromOffset, System.nanoTime() + timeout.toNanos(), wanted);
    waits.put(wait, Boolean.TRUE);
    wait.result.whenComplete((match, failure) -> waits.remove(wait));
    return wait.result;
  }

  /**
   * Waits in progress. (A wait leaves the set just after it completes, in the completing thread:
   * counting the set alone would count, for an instant, a wait its caller already saw end.)
   */
  public int waiting() {
    return (int) waits.keySet().stream().filter(wait -> !wait.result.isDone()).count();
  }

  /** Rounds over every wait completed so far: a round begun after a write has read it. */
  public long rounds() {
    return rounds.get();
  }

  private void tick() {
    long now = System.nanoTime();
    for (Wait wait : waits.keySet()) {
      try {
        wait.poll(now, askEvery);
      } catch (RuntimeException e) {
        log.warn("console wait on {} failed: {}", wait.log, e.toString());
        wait.result.completeExceptionally(e);
      }
    }
    rounds.incrementAndGet();
  }

  @Override
  public void close() {
    ticks.shutdownNow();
    waits.keySet().forEach(wait -> wait.result.cancel(false));
  }

  private static final class Wait {
    final Path log;
    final Pattern pattern;
    final long deadline;
    final BooleanSupplier wanted;
    final CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    final StringBuilder line = new StringBuilder();
    long offset;
    long lastAsked = System.nanoTime();

    Wait(Path log, Pattern pattern, long offset, long deadline, BooleanSupplier wanted) {
      this.log = log;
      this.pattern = pattern;
      this.offset = offset;
      this.deadline = deadline;
      this.wanted = wanted;
    }

    void poll(long now, Duration askEvery) {
      if (result.isDone()) {
        return;
      }
      if (readAndMatch()) {
        return;
      }
      if (now - deadline >= 0) {
        result.complete(ProbeResult.none());
      } else if (now - lastAsked >= askEvery.toNanos()) {
        lastAsked = now;
        if (!wanted.getAsBoolean()) {
          result.cancel(false);
        }
      }
    }

    /** Reads what the console gained; true once a line matched. */
    private boolean readAndMatch() {
      try (FileChannel channel = FileChannel.open(log)) {
        long size = channel.size();
        if (size < offset) {
          offset = 0; // a new QEMU truncated the log: its output is all new
          line.setLength(0);
        }
        ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
        while (offset < size) {
          buffer.clear();
          int read = channel.read(buffer, offset);
          if (read <= 0) {
            break;
          }
          offset += read;
          // Console output is mostly ASCII; anything else is read as Latin-1 so no byte is lost or merged.
          String text = new String(buffer.array(), 0, read, StandardCharsets.ISO_8859_1);
          for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
              if (matches()) {
                return true;
              }
              line.setLength(0);
            } else if (c != '\r') {
              line.append(c);
              if (line.length() >= MAX_LINE) {
                if (matches()) {
                  return true;
                }
                line.setLength(0);
              }
            }
          }
        }
        return !line.isEmpty() && matches(); // the unfinished last line: a prompt
      } catch (NoSuchFileException e) {
        return false; // QEMU has not created it yet
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private boolean matches() {
      if (!pattern.matcher(line).find()) {
        return false;
      }
      String matched = line.length() > 200 ? line.substring(0, 200) : line.toString();
      result.complete(new ProbeResult(true, matched, System.currentTimeMillis()));
      return true;
    }
  }
}
