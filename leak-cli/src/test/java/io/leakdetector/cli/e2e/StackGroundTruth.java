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
      assertThat(physical.path("inlined").asBoolean()).as(what + ": " + physical).isFalse();
      String symbol = physical.path("symbol").asText(null);
      if (symbol == null) {
        continue;
      }
      Path file = moduleFile(physical.get("module").asText());
      long fileAddress = symbolValue(file, symbol) + physical.get("offset").asLong();
      List<Located> expected = addr2line(file, fileAddress - 1);
      assertThat(group)
          .as(what + " at " + file.getFileName() + "+0x" + Long.toHexString(fileAddress))
          .hasSize(expected.size());
      for (int i = 0; i < group.size(); i++) {
        JsonNode ours = group.get(i);
        Located truth = expected.get(i);
        String context =
            what
                + ": frame "
                + ours
                + " vs addr2line "
                + truth
                + " at 0x"
                + Long.toHexString(fileAddress - 1)
                + " in "
                + file;
        assertThat(ours.path("inlined").asBoolean()).as(context).isEqualTo(i < group.size() - 1);
        if (!truth.function().equals("??")) {
          assertThat(ours.path("function").asText()).as(context).isEqualTo(truth.function());
        }
        if (truth.fileLine().startsWith("??")) {
          assertThat(ours.path("file").isNull() || ours.path("file").isMissingNode())
              .as(context)
              .isTrue();
        } else {
          assertThat(ours.path("file").asText() + ":" + ours.path("line").asInt())
              .as(context)
              .isEqualTo(withoutDiscriminator(truth.fileLine()));
        }
      }
    }
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
      symbols.put(file, table);
    }
    Long value = table.get(symbol);
    assertThat(value).as("nm's value of " + symbol + " in " + file).isNotNull();
    return value;
  }
}
