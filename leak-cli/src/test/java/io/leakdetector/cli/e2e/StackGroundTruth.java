package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.leakdetector.testkit.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What binutils says of a reported stack: for every frame address, {@code addr2line -i -f -C} at
 * the call instruction (return address − 1) gives the functions (inlined ones first) and their
 * file:line; the report must give the same list. A frame's address in its file is its symbol's
 * value (from {@code nm}) plus the reported offset, which checks the symbol and offset too.
 */
final class StackGroundTruth {
  /** One line pair of addr2line: a function and its {@code file:line}. */
  record Located(String function, String fileLine) {}

  private final List<Path> searchPath;
  private final Map<Path, Map<String, Long>> symbols = new HashMap<>();

  /**
   * @param searchPath folders where the traced modules lie (the fixture's own first)
   */
  StackGroundTruth(List<Path> searchPath) {
    this.searchPath = searchPath;
  }

  /** The file of a module named in a report. */
  Path moduleFile(String module) {
    for (Path dir : searchPath) {
      Path candidate = dir.resolve(module);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError("module " + module + " not found in " + searchPath);
  }

  /**
   * Compares every frame of a JSON stack with addr2line: frames of one address (inlined ones, then
   * the function holding the code) against addr2line's lines for that address.
   */
  void assertFramesMatch(JsonNode frames, String what) throws Exception {
    int k = 0;
    while (k < frames.size()) {
      JsonNode frame = frames.get(k);
      if (frame.path("module").isNull() || frame.path("module").isMissingNode()) {
        k++;
        continue;
      }
      List<JsonNode> group = new ArrayList<>();
      long address = address(frame);
      while (k < frames.size() && address(frames.get(k)) == address) {
        group.add(frames.get(k++));
      }
      JsonNode physical = group.get(group.size() - 1);
      for (int i = 0; i < group.size(); i++) {
        assertThat(group.get(i).path("inlined").asBoolean())
            .as(what + ": inlined flag of " + group.get(i))
            .isEqualTo(i < group.size() - 1);
      }
      String symbol = physical.path("symbol").asText(null);
      if (symbol == null) {
        continue;
      }
      Path file = moduleFile(physical.get("module").asText());
      long fileAddress = symbolValue(file, symbol) + physical.get("offset").asLong();
      String where = file.getFileName() + "+0x" + Long.toHexString(fileAddress - 1);
      List<Located> ours = located(group);
      List<Located> gnu = addr2line(file, fileAddress - 1);
      if (matches(ours, gnu)) {
        continue;
      }
      // binutils 2.40 reads DWARF 5 line tables from file register 0 (the spec says 1) and names
      // some inlined C++ functions by their caller: where it differs, elfutils must agree with us
      List<Located> elfutils = euAddr2line(file, fileAddress - 1);
      assertThat(matches(ours, elfutils))
          .as("%s at %s: ours %s, addr2line %s, eu-addr2line %s", what, where, ours, gnu, elfutils)
          .isTrue();
    }
  }

  /** Our frames of one address as addr2line prints them: function, file:line (?? when unknown). */
  private static List<Located> located(List<JsonNode> group) {
    List<Located> located = new ArrayList<>();
    for (JsonNode frame : group) {
      String file = frame.path("file").isTextual() ? frame.get("file").asText() : null;
      located.add(
          new Located(
              frame.path("function").asText("??"),
              file == null ? "??:0" : file + ":" + frame.path("line").asInt()));
    }
    return located;
  }

  /** Equal frame by frame, where the tool names a function and a line. */
  private static boolean matches(List<Located> ours, List<Located> tool) {
    if (ours.size() != tool.size()) {
      return false;
    }
    for (int i = 0; i < ours.size(); i++) {
      Located truth = tool.get(i);
      if (!truth.function().equals("??") && !truth.function().equals(ours.get(i).function())) {
        return false;
      }
      String line = withoutDiscriminator(truth.fileLine());
      if (line.startsWith("??")
          ? !ours.get(i).fileLine().startsWith("??")
          : !line.equals(ours.get(i).fileLine())) {
        return false;
      }
    }
    return true;
  }

  /** elfutils' lines for one address, in addr2line's form (no columns, no "inlined at"). */
  static List<Located> euAddr2line(Path file, long address) {
    String out =
        Commands.run(
            List.of(
                "eu-addr2line",
                "-i",
                "-f",
                "-C",
                "-e",
                file.toString(),
                "0x" + Long.toHexString(address)));
    String[] lines = out.strip().split("\n");
    List<Located> located = new ArrayList<>();
    for (int i = 0; i + 1 < lines.length; i += 2) {
      String function = lines[i].strip();
      int inlinedAt = function.indexOf(" inlined at ");
      String fileLine = lines[i + 1].strip().replaceFirst(":(\\d+):\\d+$", ":$1");
      located.add(
          new Located(inlinedAt < 0 ? function : function.substring(0, inlinedAt), fileLine));
    }
    return located;
  }

  /** The separate debug file of {@code file} under /usr/lib/debug/.build-id, if installed. */
  private static Path buildIdDebugFile(Path file) {
    for (String line : Commands.run(List.of("readelf", "-n", file.toString())).split("\n")) {
      int at = line.indexOf("Build ID: ");
      if (at >= 0) {
        String id = line.substring(at + 10).strip();
        Path debug =
            Path.of("/usr/lib/debug/.build-id", id.substring(0, 2), id.substring(2) + ".debug");
        return Files.isRegularFile(debug) ? debug : null;
      }
    }
    return null;
  }

  /** A frame's address: JSON writes it as a hex string. */
  private static long address(JsonNode frame) {
    return Long.parseUnsignedLong(frame.get("address").asText().substring(2), 16);
  }

  /** addr2line's lines for one address: innermost inlined function first. */
  static List<Located> addr2line(Path file, long address) throws Exception {
    String out =
        Commands.run(
            List.of(
                "addr2line",
                "-i",
                "-f",
                "-C",
                "-e",
                file.toString(),
                "0x" + Long.toHexString(address)));
    String[] lines = out.strip().split("\n");
    List<Located> located = new ArrayList<>();
    for (int i = 0; i + 1 < lines.length; i += 2) {
      located.add(new Located(lines[i].strip(), lines[i + 1].strip()));
    }
    return located;
  }

  private static String withoutDiscriminator(String fileLine) {
    int paren = fileLine.indexOf(" (discriminator");
    return paren < 0 ? fileLine : fileLine.substring(0, paren);
  }

  private long symbolValue(Path file, String symbol) {
    Map<String, Long> table = symbols.get(file);
    if (table == null) {
      table = new HashMap<>();
      for (String option : new String[] {"--defined-only", "-D"}) {
        List<String> command = new ArrayList<>(List.of("nm", "--defined-only"));
        if (option.equals("-D")) {
          command.add("-D");
        }
        command.add(file.toString());
        String out;
        try {
          out = Commands.run(command);
        } catch (AssertionError e) {
          continue; // no .symtab (stripped): nm fails; -D still has the dynamic symbols
        }
        for (String line : out.split("\n")) {
          String[] parts = line.trim().split("\\s+");
          if (parts.length == 3) {
            String name = parts[2];
            int at = name.indexOf('@');
            table.putIfAbsent(
                at > 0 ? name.substring(0, at) : name, Long.parseUnsignedLong(parts[0], 16));
          }
        }
      }
      Path debug = buildIdDebugFile(file);
      if (debug != null) {
        for (String line :
            Commands.run(List.of("nm", "--defined-only", debug.toString())).split("\n")) {
          String[] parts = line.trim().split("\\s+");
          if (parts.length == 3) {
            table.putIfAbsent(parts[2], Long.parseUnsignedLong(parts[0], 16));
          }
        }
      }
      symbols.put(file, table);
    }
    Long value = table.get(symbol);
    assertThat(value).as("nm's value of " + symbol + " in " + file).isNotNull();
    return value;
  }
}
