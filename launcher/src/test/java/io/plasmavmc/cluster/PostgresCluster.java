package io.plasmavmc.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A private PostgreSQL cluster for one test run, from Debian's package: initdb into a scratch
 * directory and pg_ctl start on the control plane's address, as Debian's postgres user (PostgreSQL
 * refuses to run as root), never the system's cluster. Its superuser is {@value #USER} with a
 * password made for this run, as the compose's postgres container makes POSTGRES_USER.
 */
final class PostgresCluster {
  /** The compose's POSTGRES_USER default. */
  static final String USER = "temporal";
  private static final String OWNER = "postgres";
  private static final Duration LIMIT = Duration.ofSeconds(90);

  private final ClusterTools tools;
  private final Path dir;
  private final Path data;
  private final String address;
  private final int port;
  private final String password;
  private boolean started;

  PostgresCluster(ClusterTools tools, Path dir, String address, int port, String password) {
    this.tools = tools;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.address = address;
    this.port = port;
    this.password = password;
  }

  /**
   * Stops a server a killed run left in {@code dir}, if any (its postmaster.pid names it); returns
   * whether there was one. Whatever survives this is ended by its working directory (Leftovers).
   */
  static boolean stopLeftover(ClusterTools tools, Path dir) {
    if (!Files.exists(dir.resolve("data/postmaster.pid"))) {
      return false;
    }
    Command.of(tools.runuser().toString(), "-u", OWNER, "--", tools.postgresBin().resolve("pg_ctl").toString(),
        "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "-t", "30", "stop").attempt(Duration.ofSeconds(45));
    return true;
  }

  PostgresCluster start() {
    try {
      Files.createDirectories(dir);
      UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
      Files.setOwner(dir, users.lookupPrincipalByName(OWNER));
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      // The password reaches initdb through a file only it reads (never an argument, which ps shows), removed at once.
      Path passwordFile = dir.resolve("password");
      Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
      Files.setOwner(passwordFile, users.lookupPrincipalByName(OWNER));
      Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
      try {
        asOwner("initdb", "-D", data.toString(), "-U", USER, "--pwfile=" + passwordFile, "--auth-local=peer",
            "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync");
      } finally {
        Files.deleteIfExists(passwordFile);
      }
      // Temporal's server and schema job connect over the test network, with the password.
      Files.writeString(data.resolve("pg_hba.conf"), "host all " + USER + " " + TestNetwork.SUBNET + " scram-sha-256\n",
          StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      started = true;
      // -w: pg_ctl returns once the server accepts connections, or fails after -t seconds.
      asOwner("pg_ctl", "-D", data.toString(), "-l", log().toString(), "-w", "-t", "60", "-o",
          "-c listen_addresses=" + address + " -p " + port + " -c unix_socket_directories=" + dir, "start");
      return this;
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare PostgreSQL's directory " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new IllegalStateException("PostgreSQL did not come up: " + e.getMessage() + "\nthe end of " + log() + ":\n" + logTail(), e);
    }
  }

  String address() {
    return address;
  }

  int port() {
    return port;
  }

  String password() {
    return password;
  }

  Path log() {
    return dir.resolve("postgresql.log");
  }

  /** Stops the server: a fast shutdown (open sessions ended, a clean checkpoint), immediate if that does not end in time. */
  void stop() {
    if (!started) {
      return;
    }
    Command.Result fast = Command.of(List.of(tools.runuser().toString(), "-u", OWNER, "--", tools.postgresBin().resolve("pg_ctl").toString(),
        "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop")).attempt(Duration.ofSeconds(45));
    if (fast.exitCode() != 0) {
      asOwner("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "-t", "30", "stop");
    }
    started = false;
  }

  private String logTail() {
    try {
      return Command.tail(Files.readString(log(), StandardCharsets.UTF_8), 15);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private void asOwner(String program, String... arguments) {
    List<String> command = new ArrayList<>(List.of(tools.runuser().toString(), "-u", OWNER, "--",
        tools.postgresBin().resolve(program).toString()));
    command.addAll(List.of(arguments));
    Command.of(command).in(dir).run(LIMIT);
  }
}
