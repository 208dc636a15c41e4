package io.leakdetector.symbols.dwarf;

import io.leakdetector.symbols.dwarf.Tools.ToolFrame;
import io.leakdetector.symbols.elf.ElfFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares {@link DwarfInfo#lookup} with GNU addr2line, frame by frame, for many addresses.
 *
 * <p>A frame matches when its file and line are the tool's and its demangled name is the tool's (a
 * frame we leave unnamed — DWARF names no function there — matches any name, for the tools then
 * name it from the ELF symbol table). The innermost frame's discriminator is the one addr2line
 * prints. An address we know nothing about must be one addr2line has no line for.
 *
 * <p>Where addr2line and we differ, elfutils' eu-addr2line decides: we must then match it. That
 * covers two known defects of binutils 2.40, both checked to be the only differences on the
 * fixtures and Debian's debug files: it names an inlined function that has no linkage name (static
 * or lambda functions in C++) after the ELF symbol around it, and it starts a DWARF 5 line
 * program's file register at 0 instead of 1.
 */
final class Parity {
  final List<String> failures = new ArrayList<>();
  final List<Long> decidedByElfutils = new ArrayList<>();
  int addresses;
  int withFrames;
  int withInlinedFrames;
  int deepest;
  final Set<String> functions = new LinkedHashSet<>();
  final Set<String> files = new LinkedHashSet<>();

  private record OurFrame(String function, String file, int line, int discriminator) {}

  static Parity check(Path elfPath, long[] addresses) throws Exception {
    return check(elfPath, elfPath, addresses);
  }

  /**
   * Looks up in {@code elfPath} and asks the tools about {@code oracle}, a file with the same DWARF
   * (the uncompressed twin of a file whose compression a tool does not read).
   */
  static Parity check(Path elfPath, Path oracle, long[] addresses) throws Exception {
    Parity parity = new Parity();
    Map<Long, List<SourceFrame>> ours = new LinkedHashMap<>();
    try (ElfFile elf = ElfFile.open(elfPath)) {
      DwarfInfo dwarf = DwarfInfo.open(elf);
      for (long address : addresses) {
        ours.put(address, dwarf.lookup(address));
      }
    }
    Set<String> rawNames = new LinkedHashSet<>();
    ours.values()
        .forEach(
            frames ->
                frames.forEach(
                    f -> {
                      if (f.rawName() != null) {
                        rawNames.add(f.rawName());
                      }
                    }));
    Map<String, String> demangled = Tools.demangle(new ArrayList<>(rawNames));
    Map<Long, List<ToolFrame>> gnu = Tools.gnuAddr2Line(oracle, addresses);
    List<Long> disputed = new ArrayList<>();
    Map<Long, List<OurFrame>> rendered = new LinkedHashMap<>();
    for (long address : addresses) {
      List<OurFrame> frames = new ArrayList<>();
      for (SourceFrame f : ours.get(address)) {
        String name = f.rawName() == null ? null : demangled.get(f.rawName());
        frames.add(new OurFrame(name, f.file(), f.line(), f.discriminator()));
        if (name != null) {
          parity.functions.add(name);
        }
        if (f.file() != null) {
          parity.files.add(f.file());
        }
      }
      rendered.put(address, frames);
      parity.count(frames);
      List<ToolFrame> theirs = gnu.get(address);
      if (frames.isEmpty()) {
        if (theirs.size() != 1 || theirs.get(0).line() != 0) {
          parity.failures.add(describe(address, "we found nothing; addr2line", frames, theirs));
        }
      } else if (!matches(frames, theirs, true)) {
        disputed.add(address);
      }
    }
    if (!disputed.isEmpty()) {
      long[] asked = disputed.stream().mapToLong(Long::longValue).toArray();
      Map<Long, List<ToolFrame>> elfutils = Tools.elfutilsAddr2Line(oracle, asked);
      for (long address : asked) {
        List<OurFrame> frames = rendered.get(address);
        if (matchesEither(frames, gnu.get(address), elfutils.get(address))) {
          parity.decidedByElfutils.add(address);
        } else {
          parity.failures.add(
              describe(address, "addr2line", frames, gnu.get(address))
                  + "\n  eu-addr2line: "
                  + elfutils.get(address));
        }
      }
    }
    return parity;
  }

  private void count(List<OurFrame> frames) {
    addresses++;
    if (!frames.isEmpty()) {
      withFrames++;
    }
    if (frames.size() > 1) {
      withInlinedFrames++;
    }
    deepest = Math.max(deepest, frames.size());
  }

  private static boolean matches(List<OurFrame> ours, List<ToolFrame> theirs, boolean gnu) {
    if (ours.size() != theirs.size()) {
      return false;
    }
    for (int i = 0; i < ours.size(); i++) {
      OurFrame our = ours.get(i);
      ToolFrame their = theirs.get(i);
      if (!sameLocation(our, their) || !sameName(our, their)) {
        return false;
      }
      // addr2line prints the innermost row's discriminator on every line of the chain.
      if (gnu && their.discriminator() != ours.get(0).discriminator()) {
        return false;
      }
    }
    return true;
  }

  /** Frame by frame, name and location each match one of the two tools' at that position. */
  private static boolean matchesEither(
      List<OurFrame> ours, List<ToolFrame> gnu, List<ToolFrame> elfutils) {
    if (ours.size() != gnu.size() && ours.size() != elfutils.size()) {
      return false;
    }
    for (int i = 0; i < ours.size(); i++) {
      OurFrame our = ours.get(i);
      ToolFrame a = i < gnu.size() ? gnu.get(i) : null;
      ToolFrame b = i < elfutils.size() ? elfutils.get(i) : null;
      boolean location = (a != null && sameLocation(our, a)) || (b != null && sameLocation(our, b));
      boolean name = (a != null && sameName(our, a)) || (b != null && sameName(our, b));
      if (!location || !name) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameLocation(OurFrame our, ToolFrame their) {
    return Objects.equals(our.file(), their.file()) && our.line() == their.line();
  }

  private static boolean sameName(OurFrame our, ToolFrame their) {
    return our.function() == null || our.function().equals(their.function());
  }

  private static String describe(
      long address, String tool, List<OurFrame> ours, List<ToolFrame> theirs) {
    return "0x" + Long.toHexString(address) + ": ours " + ours + "\n  " + tool + ": " + theirs;
  }

  @Override
  public String toString() {
    return addresses
        + " addresses, "
        + withFrames
        + " with frames, "
        + withInlinedFrames
        + " with inlined frames (up to "
        + deepest
        + " deep), "
        + decidedByElfutils.size()
        + " decided by eu-addr2line";
  }
}
