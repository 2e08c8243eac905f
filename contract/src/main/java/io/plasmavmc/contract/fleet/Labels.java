package io.plasmavmc.contract.fleet;

import io.plasmavmc.contract.spec.InvalidSpecException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A host's labels and a placement's label constraints, checked alike wherever they enter (a
 * worker's settings, CreateVm): at most {@link #MAX_LABELS}, keys and values 1-63 characters of
 * letters, digits, '.', '_' and '-', so they print, fit a table and need no quoting anywhere.
 */
public final class Labels {
  public static final int MAX_LABELS = 16;
  /**
   * The label by which hosts declare the storage they share: hosts labelled {@code shared-storage=NAME}
   * alike see the same image store and VMs' directory (at the same paths), so a VM with disks or a
   * cloud-init seed of its own may migrate between them; a host without it shares none.
   */
  public static final String SHARED_STORAGE = "shared-storage";
  private static final Pattern PART = Pattern.compile("[a-zA-Z0-9._-]{1,63}");
  private static final String RULE = "1-63 characters of letters, digits, '.', '_' or '-'";

  private Labels() {}

  /** {@code labels} if they are valid; otherwise refused naming {@code field[key]} (or {@code field} for a bad key). */
  public static Map<String, String> checked(Map<String, String> labels, String field) {
    if (labels.size() > MAX_LABELS) {
      throw new InvalidSpecException(field, "at most " + MAX_LABELS + " labels, not " + labels.size());
    }
    labels.forEach((key, value) -> {
      if (!PART.matcher(key).matches()) {
        throw new InvalidSpecException(field, "a key must be " + RULE);
      }
      if (!PART.matcher(value).matches()) {
        throw new InvalidSpecException(field + "[" + key + "]", "a value must be " + RULE);
      }
    });
    return Map.copyOf(labels);
  }

  /** Labels written {@code key=value}, one an item (a later key wins), checked as {@link #checked} does. */
  public static Map<String, String> parse(Collection<String> items, String field) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw new InvalidSpecException(field, "a label is written key=value, not " + (PART.matcher(item).matches() ? item : "that"));
      }
      labels.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
    }
    return checked(labels, field);
  }
}
