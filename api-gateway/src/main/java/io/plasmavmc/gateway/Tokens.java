package io.plasmavmc.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The bearer tokens the gateway accepts, as a file of lines {@code <role> sha256:<hex>} (and
 * comments): the gateway keeps only digests, the token itself stays with its holder.
 */
public final class Tokens {
  private record Entry(Role role, byte[] digest) {}

  private final List<Entry> entries;

  private Tokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static Tokens load(Path file) {
    List<Entry> entries = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the tokens file " + file, e);
    }
    int number = 0;
    for (String line : lines) {
      number++;
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      String[] parts = text.split("\\s+");
      int at = number;
      Role role = Role.parse(parts[0]).orElseThrow(() -> new IllegalArgumentException(
          file + ":" + at + ": the role must be viewer, operator or admin"));
      if (parts.length < 2 || !parts[1].startsWith("sha256:") || parts[1].length() != "sha256:".length() + 64) {
        throw new IllegalArgumentException(file + ":" + number + ": expected '<role> sha256:<64 hex digits>'");
      }
      entries.add(new Entry(role, HexFormat.of().parseHex(parts[1].substring("sha256:".length()))));
    }
    return new Tokens(entries);
  }

  /** The role of {@code token}, comparing digests in constant time. */
  public Optional<Role> roleOf(String token) {
    byte[] digest = digest(token);
    Role found = null;
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(entry.digest(), digest) && found == null) {
        found = entry.role();
      }
    }
    return Optional.ofNullable(found);
  }

  public int size() {
    return entries.size();
  }

  /** A new random token (256 bits, URL-safe Base64). */
  public static String newToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The line that grants {@code role} to {@code token}. */
  public static String line(Role role, String token) {
    return role.label() + " sha256:" + HexFormat.of().formatHex(digest(token));
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
