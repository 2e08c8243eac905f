package io.plasmavmc.cli;

/**
 * Text made safe for XML 1.0: markup characters escaped, and the characters XML cannot carry at
 * all, even escaped (a console's ESC and other control characters, a lone surrogate), replaced by
 * U+FFFD, so that any parser reads the document.
 */
final class XmlText {
  private XmlText() {}

  /** For an element's text. */
  static String text(String value) {
    return escape(value, false);
  }

  /** For an attribute's value in double quotes; line breaks and tabs kept as character references (a parser would fold them to spaces). */
  static String attribute(String value) {
    return escape(value, true);
  }

  private static String escape(String value, boolean attribute) {
    StringBuilder out = new StringBuilder(value.length() + 16);
    value.codePoints().forEach(c -> {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append(attribute ? "&quot;" : "\"");
        case '\r' -> out.append("&#13;");
        case '\n' -> out.append(attribute ? "&#10;" : "\n");
        case '\t' -> out.append(attribute ? "&#9;" : "\t");
        default -> out.appendCodePoint(allowed(c) ? c : 0xFFFD);
      }
    });
    return out.toString();
  }

  /** XML 1.0's Char production, less the whitespace handled above. */
  private static boolean allowed(int c) {
    return (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
  }
}
