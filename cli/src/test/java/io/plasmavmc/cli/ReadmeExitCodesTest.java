package io.plasmavmc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exit codes README.md documents are the ones vmctl returns and its help lists. */
class ReadmeExitCodesTest {
  private static final String TABLE_HEADER = "| exit code | meaning |";

  @Test
  void theReadmeTableIsVmctlsExitCodes() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
    int row = lines.indexOf(TABLE_HEADER) + 2; // past the header and its |---| line
    Map<String, String> documented = new LinkedHashMap<>();
    for (; row < lines.size() && lines.get(row).startsWith("| "); row++) {
      String[] cells = lines.get(row).split(" \\| ", 2);
      documented.put(cells[0].substring(2), cells[1].substring(0, cells[1].length() - 2));
    }
    assertEquals(ExitCode.helpList(), documented);
  }
}
