package io.plasmavmc.launcher;

import io.plasmavmc.cli.LocalToken;
import io.plasmavmc.gateway.Role;
import io.plasmavmc.gateway.Tokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The local stack's API credentials, in the user's config directory (mode 0700): an admin token
 * made on first start ({@code admin.token}, mode 0600, read by vmctl by itself) and the gateway's
 * tokens file with its digest ({@code tokens}, mode 0600; add viewer and operator lines there).
 */
public final class LocalCredentials {
  private LocalCredentials() {}

  /** {@code $XDG_CONFIG_HOME/plasmavmc}, or {@code ~/.config/plasmavmc}. */
  public static Path defaultDir() {
    return LocalToken.defaultDir();
  }

  public static Path tokenFile(Path dir) {
    return LocalToken.file(dir);
  }

  public static Path tokensFile(Path dir) {
    return dir.resolve("tokens");
  }

  /** Makes the admin token and the tokens file where missing; returns the tokens file. */
  public static Path ensure(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      Path token = tokenFile(dir);
      Path tokens = tokensFile(dir);
      if (!Files.exists(token)) {
        String secret = Tokens.newToken();
        writePrivate(token, secret + "\n");
        String grant = Tokens.line(Role.ADMIN, secret) + "   # admin.token, made by plasmavmc up\n";
        if (Files.exists(tokens)) {
          Files.writeString(tokens, grant, StandardOpenOption.APPEND);
        } else {
          writePrivate(tokens, "# PlasmaVMC API tokens: '<viewer|operator|admin> sha256:<hex of the token's SHA-256>'\n" + grant);
        }
      } else if (!Files.exists(tokens)) {
        writePrivate(tokens, Tokens.line(Role.ADMIN, Files.readString(token).strip()) + "   # admin.token\n");
      }
      return tokens;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set up the API credentials in " + dir, e);
    }
  }

  /** The token in {@code dir/admin.token}, if there is one. */
  public static Optional<String> readToken(Path dir) {
    return LocalToken.read(dir);
  }

  private static void writePrivate(Path file, String content) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }
}
