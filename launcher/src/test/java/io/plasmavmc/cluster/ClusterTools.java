package io.plasmavmc.cluster;

import io.plasmavmc.launcher.TemporalCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The programs the production topology needs, found where the project's install scripts put them.
 * Two lacks mean the test cannot run here at all (not root: no network namespaces; no `ip`); every
 * other lack is a failure naming what to install: a green run must never hide a missing cluster.
 */
record ClusterTools(Path ip, Path runuser, Path postgresBin, Path temporalServer, Path sqlTool, Path schemaDir, Path temporalCli,
    Path repository) {
  private static final String INSTALL = "run `bash tools/install-deps.sh --test` (it installs PostgreSQL, netcat and iproute2, and "
      + "builds Temporal's server and SQL tool with tools/install-temporal.sh --server)";

  /** Why the cluster cannot run on this machine at all, if so: the only reasons the test is skipped. */
  static Optional<String> cannotRunHere() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return Optional.of("the cluster tests make network namespaces, a bridge and veth links: they need root (CI runs as root)");
    }
    if (findIp().isEmpty()) {
      return Optional.of("no `ip` (iproute2) on PATH or in /usr/sbin, /sbin: the hosts are network namespaces made with it");
    }
    return Optional.empty();
  }

  /** Everything else, or an IllegalStateException listing every missing piece and how to get it. */
  static ClusterTools find() {
    List<String> missing = new ArrayList<>();
    Path ip = findIp().orElse(null);
    Path runuser = firstExecutable(List.of(Path.of("/usr/sbin/runuser"), Path.of("/sbin/runuser"), Path.of("/usr/bin/runuser")))
        .orElse(null);
    if (runuser == null) {
      missing.add("runuser (util-linux): PostgreSQL runs as the postgres user, it refuses root");
    }
    Path postgresBin = findPostgresBin().orElse(null);
    if (postgresBin == null) {
      missing.add("PostgreSQL's server programs (/usr/lib/postgresql/*/bin/initdb, Debian's package postgresql)");
    }
    if (!userExists("postgres")) {
      missing.add("the postgres user (Debian's package postgresql makes it)");
    }
    if (firstOnPath("nc").isEmpty()) {
      missing.add("nc (netcat-openbsd): the compose's schema job deploy/temporal/setup-schema.sh waits for PostgreSQL with it");
    }
    Path bin = cache().resolve("bin");
    Path server = bin.resolve("temporal-server");
    Path sql = bin.resolve("temporal-sql-tool");
    Path schema = null;
    if (!Files.isExecutable(server) || !Files.isExecutable(sql)) {
      missing.add("Temporal's server and SQL tool (" + server + ", " + sql + ")");
    } else {
      try {
        schema = server.toRealPath().getParent().resolve("schema/postgresql/v12");
      } catch (IOException e) {
        missing.add("the target of " + server + " (" + e.getMessage() + ")");
      }
      if (schema != null && !Files.isDirectory(schema.resolve("temporal/versioned"))) {
        missing.add("Temporal's PostgreSQL schemas beside the server (" + schema + ")");
      }
    }
    Path cli = TemporalCli.find().orElse(null);
    if (cli == null) {
      missing.add("Temporal's CLI (the compose's namespace job deploy/temporal/setup-namespace.sh runs it)");
    }
    Path repository = findRepository();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the cluster cannot start; missing: " + String.join("; ", missing) + ". To get them, " + INSTALL);
    }
    return new ClusterTools(ip, runuser, postgresBin, server, sql, schema, cli, repository);
  }

  Path deployFile(String name) {
    return repository.resolve("deploy/temporal").resolve(name);
  }

  private static Optional<Path> findIp() {
    Optional<Path> onPath = firstOnPath("ip");
    return onPath.isPresent() ? onPath : firstExecutable(List.of(Path.of("/usr/sbin/ip"), Path.of("/sbin/ip"), Path.of("/bin/ip")));
  }

  /** Debian keeps PostgreSQL's server programs off PATH, per major version: the newest one here. */
  private static Optional<Path> findPostgresBin() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(version -> version.resolve("bin"))
          .filter(dir -> Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl")))
          .max(Comparator.comparingInt(dir -> major(dir.getParent().getFileName().toString())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int major(String version) {
    try {
      return Integer.parseInt(version.replaceAll("\\..*", ""));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean userExists(String name) {
    try (Stream<String> lines = Files.lines(Path.of("/etc/passwd"))) {
      return lines.anyMatch(line -> line.startsWith(name + ":"));
    } catch (IOException e) {
      return false;
    }
  }

  private static Optional<Path> firstOnPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    List<Path> candidates = new ArrayList<>();
    for (String dir : path.split(":")) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, program));
      }
    }
    return firstExecutable(candidates);
  }

  private static Optional<Path> firstExecutable(List<Path> candidates) {
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  /** Where tools/install-temporal.sh builds into: $PLASMAVMC_CACHE, else ~/.cache/plasmavmc. */
  private static Path cache() {
    String cache = System.getenv("PLASMAVMC_CACHE");
    return cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "plasmavmc");
  }

  /** The checkout: the first directory upwards from here with deploy/temporal (Surefire runs in launcher/). */
  private static Path findRepository() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("deploy/temporal/setup-schema.sh"))) {
        return dir;
      }
    }
    throw new IllegalStateException("deploy/temporal/setup-schema.sh not found above " + Path.of("").toAbsolutePath());
  }
}
