package io.plasmavmc.host.storage;

import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.HostRefusedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The artifacts of lifecycle test runs on this host: {@code <root>/<runId>/<vmName>.log}, the end of
 * each attempt's serial console, written whole (a reader never sees half of one) before the
 * attempt's VM is deleted. Bounded: the newest {@code keptRuns} runs stay (newest by the last time a
 * console of theirs was kept), within {@code keptBytes} in all (the oldest runs go first); the run
 * whose console is being kept is never the one removed.
 */
public final class TestRunArtifacts {
  private static final Logger log = LoggerFactory.getLogger(TestRunArtifacts.class);
  public static final int KEPT_RUNS = 50;
  public static final long KEPT_BYTES = 2L << 30;
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}");

  private final Path root;
  private final int keptRuns;
  private final long keptBytes;

  public TestRunArtifacts(Path root) {
    this(root, KEPT_RUNS, KEPT_BYTES);
  }

  public TestRunArtifacts(Path root, int keptRuns, long keptBytes) {
    this.root = root;
    this.keptRuns = keptRuns;
    this.keptBytes = keptBytes;
  }

  /** Keeps {@code console} as the log of {@code vmName} in run {@code runId} (replacing one kept before), then removes what the bounds exceed. */
  public synchronized void keep(String runId, String vmName, byte[] console) {
    Path file = file(runId, vmName);
    try {
      Files.createDirectories(file.getParent());
      AtomicFiles.write(file, console);
      Files.setLastModifiedTime(file.getParent(), FileTime.from(Instant.now()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the console of " + vmName + " of run " + runId, e);
    }
    prune(file.getParent());
  }

  /** The last {@code maxBytes} of the log kept for {@code vmName} in run {@code runId}; CONSOLE_NOT_KEPT where there is none. */
  public ConsoleTail read(String runId, String vmName, int maxBytes) {
    try {
      return FileTails.tail(file(runId, vmName), maxBytes);
    } catch (NoSuchFileException e) {
      throw HostRefusedException.consoleNotKept(runId, vmName, keptRuns);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the kept console of " + vmName + " of run " + runId, e);
    }
  }

  private Path file(String runId, String vmName) {
    return root.resolve(checked("run_id", runId)).resolve(checked("vm_name", vmName) + ".log");
  }

  private static String checked(String field, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidSpecException(field, "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }

  private record RunDir(Path dir, FileTime touched, long bytes) {}

  /** Newest first: every run within both bounds stays, {@code current} whatever they say. */
  private void prune(Path current) {
    List<RunDir> runs = runs();
    runs.sort(Comparator.comparing(RunDir::touched).reversed());
    int count = 0;
    long bytes = 0;
    for (RunDir run : runs) {
      boolean fits = count < keptRuns && bytes + run.bytes() <= keptBytes;
      if (fits || run.dir().equals(current)) {
        count++;
        bytes += run.bytes();
      } else {
        log.info("lifecycle test run {}: its kept consoles ({} bytes) removed (the host keeps the newest {} runs' within {} MiB)",
            run.dir().getFileName(), run.bytes(), keptRuns, keptBytes >> 20);
        FileTrees.delete(run.dir());
      }
    }
  }

  private List<RunDir> runs() {
    List<RunDir> runs = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        runs.add(new RunDir(dir, Files.getLastModifiedTime(dir), bytes(dir)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the kept consoles of lifecycle test runs", e);
    }
    return runs;
  }

  private static long bytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      long total = 0;
      for (Path file : files.toList()) {
        total += Files.size(file);
      }
      return total;
    }
  }
}
