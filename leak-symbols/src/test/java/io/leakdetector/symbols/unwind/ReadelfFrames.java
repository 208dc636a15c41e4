package io.leakdetector.symbols.unwind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output of {@code readelf --debug-dump=frames-interp}, parsed: per frame description its
 * section, range and rows, each row as readelf shows it (CFA text and one text per register
 * column). A description without rows of its own has its CIE's initial row.
 */
final class ReadelfFrames {
  /** One row: {@code cfa} as {@code rsp+8}, {@code exp}…; {@code columns} by register name. */
  record Row(long address, String cfa, Map<String, String> columns) {}

  record Description(String section, long start, long end, List<Row> rows) {}

  private ReadelfFrames() {}

  /**
   * The line's words; a register rule shows as {@code r9 (r9)}, whose second part is joined to the
   * first.
   */
  private static String[] words(String line) {
    List<String> words = new ArrayList<>();
    for (String word : line.split("\\s+")) {
      if (word.startsWith("(") && !words.isEmpty()) {
        words.set(words.size() - 1, words.get(words.size() - 1) + " " + word);
      } else {
        words.add(word);
      }
    }
    return words.toArray(String[]::new);
  }

  static List<Description> parse(String output) {
    List<Description> descriptions = new ArrayList<>();
    Map<String, Row> cieRows = new HashMap<>();
    String section = "";
    String cie = null; // the CIE whose rows are being read
    long start = 0;
    long end = 0;
    String cieOfFde = null;
    List<Row> rows = null;
    List<String> header = List.of();
    for (String line : (output + "\n\n").split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("Contents of the ")) {
        section = trimmed.split(" ")[3];
        continue;
      }
      String[] words = words(trimmed);
      if (words.length >= 4 && words[3].equals("CIE")) {
        cie = section + ":" + words[0];
        rows = null;
        continue;
      }
      if (words.length >= 6 && words[3].equals("FDE")) {
        cie = null;
        cieOfFde = section + ":" + words[4].substring("cie=".length());
        String[] range = words[5].substring("pc=".length()).split("\\.\\.");
        start = Long.parseUnsignedLong(range[0], 16);
        end = Long.parseUnsignedLong(range[1], 16);
        rows = new ArrayList<>();
        continue;
      }
      if (words.length >= 2 && words[0].equals("LOC") && words[1].equals("CFA")) {
        header = List.of(words).subList(2, words.length);
        continue;
      }
      if (trimmed.isEmpty()) {
        if (rows != null) {
          if (rows.isEmpty() && cieRows.containsKey(cieOfFde)) {
            Row initial = cieRows.get(cieOfFde);
            rows.add(new Row(start, initial.cfa(), initial.columns()));
          }
          descriptions.add(new Description(section, start, end, List.copyOf(rows)));
          rows = null;
        }
        continue;
      }
      if (words[0].matches("[0-9a-f]{8,16}")
          && words.length >= 2
          && (rows != null || cie != null)) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (int i = 0; i < header.size() && i + 2 < words.length; i++) {
          columns.put(header.get(i), words[i + 2]);
        }
        Row row = new Row(Long.parseUnsignedLong(words[0], 16), words[1], columns);
        if (rows != null) {
          rows.add(row);
        } else {
          cieRows.putIfAbsent(cie, row);
        }
      }
    }
    return descriptions;
  }
}
