package io.leakdetector.symbols.dwarf;

import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trusted tools these tests compare with: GNU addr2line (binutils), eu-addr2line (elfutils),
 * c++filt and objdump, run in batch (addresses on standard input, one process per file).
 */
final class Tools {
  private Tools() {}

  /** One frame as a tool printed it; {@code line} 0 when it printed {@code ?} or nothing. */
  record ToolFrame(String function, String file, int line, int discriminator) {}

  private static final Pattern GNU_LOCATION =
      Pattern.compile("^(.*):(\\d+|\\?)(?: \\(discriminator (\\d+)\\))?$");
  private static final Pattern ELFUTILS_LOCATION = Pattern.compile("^(.*?):(\\d+)(?::\\d+)?$");

  static Path require(String tool, String packageName) {
    return Prerequisite.tool(tool, "install " + packageName);
  }

  /** {@code addr2line -a -i -f -C -e elf} for each address: its frames, innermost first. */
  static Map<Long, List<ToolFrame>> gnuAddr2Line(Path elf, long[] addresses) {
    require("addr2line", "binutils");
    String output =
        run(
            List.of("addr2line", "-a", "-i", "-f", "-C", "-e", elf.toString()),
            null,
            hexLines(addresses));
    return parse(output, addresses, true);
  }

  /** {@code eu-addr2line -a -i -f -C -e elf} for each address. */
  static Map<Long, List<ToolFrame>> elfutilsAddr2Line(Path elf, long[] addresses) {
    require("eu-addr2line", "elfutils");
    String output =
        run(
            List.of("eu-addr2line", "-a", "-i", "-f", "-C", "-e", elf.toString()),
            null,
            hexLines(addresses));
    return parse(output, addresses, false);
  }

  private static Map<Long, List<ToolFrame>> parse(String output, long[] addresses, boolean gnu) {
    Map<Long, List<ToolFrame>> result = new LinkedHashMap<>();
    String[] lines = output.split("\n");
    int next = 0;
    int i = 0;
    while (i < lines.length) {
      if (!lines[i].startsWith("0x")) {
        throw new AssertionError("unexpected tool output line " + i + ": " + lines[i]);
      }
      long address = Long.parseUnsignedLong(lines[i].substring(2), 16);
      if (next >= addresses.length || address != addresses[next]) {
        throw new AssertionError("tool output out of step at 0x" + Long.toHexString(address));
      }
      next++;
      i++;
      List<ToolFrame> frames = new ArrayList<>();
      while (i < lines.length && !lines[i].startsWith("0x")) {
        String function = lines[i];
        String location = i + 1 < lines.length ? lines[i + 1] : "";
        i += 2;
        if (!gnu) {
          int inlinedAt = function.indexOf(" inlined at ");
          if (inlinedAt >= 0) {
            function = function.substring(0, inlinedAt);
          }
        }
        Matcher m = (gnu ? GNU_LOCATION : ELFUTILS_LOCATION).matcher(location);
        if (!m.matches()) {
          throw new AssertionError("unexpected location line: " + location);
        }
        String file = m.group(1);
        int line = m.group(2).equals("?") ? 0 : Integer.parseInt(m.group(2));
        int discriminator = gnu && m.group(3) != null ? Integer.parseInt(m.group(3)) : 0;
        frames.add(
            new ToolFrame(
                function.equals("??") ? null : function,
                file.equals("??") || file.isEmpty() ? null : file,
                line,
                discriminator));
      }
      result.put(address, frames);
    }
    if (next != addresses.length) {
      throw new AssertionError("tool answered " + next + " of " + addresses.length + " addresses");
    }
    return result;
  }

  /** The demangled form of each name, as c++filt prints it (plain names stay as they are). */
  static Map<String, String> demangle(List<String> names) {
    require("c++filt", "binutils");
    String output = run(List.of("c++filt"), null, String.join("\n", names) + "\n");
    String[] lines = output.split("\n", -1);
    Map<String, String> result = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      result.put(names.get(i), lines[i]);
    }
    return result;
  }

  /** The address of every instruction in the file's {@code .text}, from {@code objdump -d}. */
  static long[] textInstructions(Path elf) {
    require("objdump", "binutils");
    String output =
        run(
            List.of("objdump", "-d", "--no-show-raw-insn", "-j", ".text", elf.toString()),
            null,
            "");
    return instructions(output, null);
  }

  /** The address of every call instruction in the file's executable sections. */
  static long[] callInstructions(Path elf) {
    require("objdump", "binutils");
    String output = run(List.of("objdump", "-d", "--no-show-raw-insn", elf.toString()), null, "");
    return instructions(output, "call");
  }

  private static long[] instructions(String objdump, String mnemonic) {
    Pattern row = Pattern.compile("^ +([0-9a-f]+):\t(\\S+)");
    List<Long> found = new ArrayList<>();
    for (String line : objdump.split("\n")) {
      Matcher m = row.matcher(line);
      if (m.find() && (mnemonic == null || m.group(2).equals(mnemonic))) {
        found.add(Long.parseUnsignedLong(m.group(1), 16));
      }
    }
    return found.stream().mapToLong(Long::longValue).toArray();
  }

  private static String hexLines(long[] addresses) {
    StringBuilder text = new StringBuilder();
    for (long address : addresses) {
      text.append("0x").append(Long.toHexString(address)).append('\n');
    }
    return text.toString();
  }

  /**
   * Runs {@code command} in {@code directory} (null: the current one) with {@code input} on its
   * standard input, returns its standard output; a failure or a run longer than 5 minutes fails the
   * test with what it wrote to standard error.
   */
  static String run(List<String> command, Path directory, String input) {
    try {
      Path in = Files.createTempFile("tool-in", ".txt");
      Path err = Files.createTempFile("tool-err", ".txt");
      try {
        Files.writeString(in, input);
        ProcessBuilder builder =
            new ProcessBuilder(command).redirectInput(in.toFile()).redirectError(err.toFile());
        if (directory != null) {
          builder.directory(directory.toFile());
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          throw new AssertionError("timed out: " + command);
        }
        if (process.exitValue() != 0) {
          throw new AssertionError(command + " failed:\n" + Files.readString(err));
        }
        return output;
      } finally {
        Files.deleteIfExists(in);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
