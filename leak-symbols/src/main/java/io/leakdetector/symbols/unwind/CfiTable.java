package io.leakdetector.symbols.unwind;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSection;
import io.leakdetector.symbols.elf.ElfSegment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongUnaryOperator;

/**
 * The call frame information of one ELF file compiled into primitive arrays: for every address of
 * its code (file address space) the {@link CfiRule} that recovers the caller's frame. Built once
 * per file from {@code .eh_frame} (found through the section headers, else through {@code
 * PT_GNU_EH_FRAME}), completed from {@code .debug_frame} for code {@code .eh_frame} does not cover
 * (the file's own, else a separate debug file's).
 *
 * <p>Rows are sorted start offsets from {@link #base()} in an {@code int[]}, each with an index
 * into the distinct rules ({@code char[]}, or {@code int[]} beyond 65 536 distinct rules). A lookup
 * is a binary search and two loads; it allocates nothing. Immutable and thread-safe.
 */
public final class CfiTable {
  private static final int PT_GNU_EH_FRAME = 0x6474e550;

  /**
   * What the compilation met.
   *
   * @param descriptions frame descriptions compiled
   * @param skippedEntries entries that could not be read (skipped)
   * @param damagedDescriptions descriptions whose instructions could not be read to their end (the
   *     rest of their range is unsupported)
   * @param sources the sections read, e.g. {@code ".eh_frame"}, {@code ".eh_frame+.debug_frame"}
   */
  public record Statistics(
      int descriptions, int skippedEntries, int damagedDescriptions, String sources) {}

  private final CfiArchitecture architecture;
  private final long base;
  private final int[] starts;
  private final char[] narrowIds;
  private final int[] wideIds;
  private final long[] rules;
  private final Statistics statistics;

  CfiTable(
      CfiArchitecture architecture,
      long base,
      int[] starts,
      char[] narrowIds,
      int[] wideIds,
      long[] rules,
      Statistics statistics) {
    this.architecture = architecture;
    this.base = base;
    this.starts = starts;
    this.narrowIds = narrowIds;
    this.wideIds = wideIds;
    this.rules = rules;
    this.statistics = statistics;
  }

  /**
   * Compiles the call frame information of {@code file}.
   *
   * @param debugFile its separate debug file, or {@code null}; its {@code .debug_frame} is read
   *     when {@code file} has none of its own
   * @throws IOException when a section cannot be read, or the file is not x86-64 or aarch64
   */
  public static CfiTable build(ElfFile file, ElfFile debugFile) throws IOException {
    CfiArchitecture architecture = CfiArchitecture.of(file.machine());
    if (architecture == null) {
      throw new IOException(
          file.path()
              + " is for machine "
              + file.machine()
              + "; unwinding supports x86-64 and aarch64");
    }
    PointerBases dataBases = basesOf(file, 0);
    List<FrameSection> sections = new ArrayList<>();
    StringBuilder names = new StringBuilder();
    Optional<FrameSection> eh = ehFrame(file);
    if (eh.isPresent()) {
      sections.add(eh.get());
      names.append(".eh_frame");
    }
    Optional<FrameSection> debug = debugFrame(file, dataBases);
    if (debug.isEmpty() && debugFile != null) {
      debug = debugFrame(debugFile, dataBases);
    }
    if (debug.isPresent()) {
      sections.add(debug.get());
      names.append(names.length() > 0 ? "+" : "").append(".debug_frame");
    }
    try {
      return compile(architecture, sections, executableRanges(file), names.toString());
    } catch (MalformedCfiException e) {
      throw new IOException(file.path() + ": " + e.getMessage());
    }
  }

  /** {@link #build(ElfFile, ElfFile)} without a separate debug file. */
  public static CfiTable build(ElfFile file) throws IOException {
    return build(file, null);
  }

  /** Compiles {@code .eh_frame} bytes that lie at {@code address}; for tests of the compiler. */
  static CfiTable ofEhFrame(CfiArchitecture architecture, byte[] data, long address) {
    return ofEhFrame(architecture, data, PointerBases.at(address));
  }

  /** Compiles {@code .eh_frame} bytes with the given pointer bases; for tests of the compiler. */
  static CfiTable ofEhFrame(CfiArchitecture architecture, byte[] data, PointerBases bases) {
    FrameSection section = new FrameSection(ByteBuffer.wrap(data), true, bases);
    return compile(architecture, List.of(section), null, ".eh_frame");
  }

  /** Compiles {@code .debug_frame} bytes; for tests of the compiler. */
  static CfiTable ofDebugFrame(CfiArchitecture architecture, byte[] data) {
    FrameSection section = new FrameSection(ByteBuffer.wrap(data), false, PointerBases.at(0));
    return compile(architecture, List.of(section), null, ".debug_frame");
  }

  /**
   * Compiles sections in priority order: a description of a later section is used only where no
   * earlier section describes any part of its range.
   *
   * @param code executable ranges {@code [start, end)} pairs (file address space): a description
   *     not wholly inside one is dropped (discarded code, a damaged range); {@code null} keeps all
   */
  static CfiTable compile(
      CfiArchitecture architecture, List<FrameSection> sections, long[] code, String sources) {
    List<FrameDescription> chosen = new ArrayList<>();
    int skipped = 0;
    for (FrameSection section : sections) {
      Coverage earlier = new Coverage(chosen);
      for (FrameDescription fde : section.descriptions()) {
        if (inCode(fde, code) && !earlier.overlaps(fde.start(), fde.end())) {
          chosen.add(fde);
        }
      }
      skipped += section.skippedEntries();
    }
    chosen.sort(BY_START);
    CfiTableBuilder builder = new CfiTableBuilder(chosen.isEmpty() ? 0 : chosen.get(0).start());
    CfaProgram program = new CfaProgram(architecture);
    int damaged = 0;
    for (FrameDescription fde : chosen) {
      builder.begin(fde.start(), fde.end());
      if (!program.run(fde, builder)) {
        damaged++;
      }
    }
    return builder.finish(architecture, new Statistics(chosen.size(), skipped, damaged, sources));
  }

  private static final Comparator<FrameDescription> BY_START =
      Comparator.comparing(FrameDescription::start, Long::compareUnsigned);

  /** The ranges of descriptions already chosen, to test a new range against. */
  private static final class Coverage {
    private final long[] starts;
    private final long[] endsSoFar;

    Coverage(List<FrameDescription> descriptions) {
      List<FrameDescription> sorted = new ArrayList<>(descriptions);
      sorted.sort(BY_START);
      starts = new long[sorted.size()];
      endsSoFar = new long[sorted.size()];
      long furthest = 0;
      for (int i = 0; i < sorted.size(); i++) {
        starts[i] = sorted.get(i).start();
        if (Long.compareUnsigned(sorted.get(i).end(), furthest) > 0) {
          furthest = sorted.get(i).end();
        }
        endsSoFar[i] = furthest;
      }
    }

    /** Whether any range starting before {@code end} reaches past {@code start}. */
    boolean overlaps(long start, long end) {
      int lo = 0;
      int hi = starts.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (Long.compareUnsigned(starts[mid], end) < 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo > 0 && Long.compareUnsigned(endsSoFar[lo - 1], start) > 0;
    }
  }

  private static boolean inCode(FrameDescription fde, long[] code) {
    if (code == null) {
      return true;
    }
    for (int i = 0; i < code.length; i += 2) {
      long size = code[i + 1] - code[i];
      if (Long.compareUnsigned(fde.start() - code[i], size) < 0
          && Long.compareUnsigned(fde.end() - code[i], size) <= 0) {
        return true;
      }
    }
    return false;
  }

  /** {@code [vaddr, vaddr + memsz)} of every executable {@code PT_LOAD}, or null without any. */
  private static long[] executableRanges(ElfFile file) {
    List<ElfSegment> code = file.loadSegments().stream().filter(ElfSegment::isExecutable).toList();
    if (code.isEmpty()) {
      return null;
    }
    long[] ranges = new long[code.size() * 2];
    for (int i = 0; i < code.size(); i++) {
      ranges[2 * i] = code.get(i).vaddr();
      ranges[2 * i + 1] = code.get(i).vaddr() + code.get(i).memorySize();
    }
    return ranges;
  }

  private static PointerBases basesOf(ElfFile file, long sectionAddress) {
    long text = file.section(".text").map(ElfSection::address).orElse(0L);
    long got = file.section(".got").map(ElfSection::address).orElse(0L);
    LongUnaryOperator memory =
        address -> {
          OptionalLong offset = file.fileOffsetOf(address);
          if (offset.isEmpty()) {
            throw new MalformedCfiException(
                "an indirect pointer to 0x" + Long.toHexString(address));
          }
          try {
            return ByteBuffer.wrap(file.readAt(offset.getAsLong(), 8))
                .order(ByteOrder.LITTLE_ENDIAN)
                .getLong();
          } catch (IOException e) {
            throw new MalformedCfiException(e.getMessage());
          }
        };
    return new PointerBases(sectionAddress, text, got, memory);
  }

  private static Optional<FrameSection> ehFrame(ElfFile file) throws IOException {
    Optional<ElfSection> section = file.section(".eh_frame");
    if (section.isPresent() && section.get().hasFileBytes()) {
      ElfSection s = section.get();
      return Optional.of(new FrameSection(file.sectionData(s), true, basesOf(file, s.address())));
    }
    return ehFrameThroughHeader(file);
  }

  /**
   * {@code .eh_frame} found without section headers: {@code PT_GNU_EH_FRAME} holds {@code
   * .eh_frame_hdr}, whose second field points at {@code .eh_frame}; its bytes run to the
   * terminator, at most to the end of the segment that holds them.
   */
  private static Optional<FrameSection> ehFrameThroughHeader(ElfFile file) throws IOException {
    for (ElfSegment header : file.segments()) {
      if (header.type() != PT_GNU_EH_FRAME || header.fileSize() < 8) {
        continue;
      }
      byte[] bytes = file.readAt(header.offset(), (int) Math.min(header.fileSize(), 64));
      if (bytes[0] != 1) {
        return Optional.empty();
      }
      long address;
      try {
        CfiCursor in = new CfiCursor(ByteBuffer.wrap(bytes), 4, bytes.length);
        PointerBases bases =
            new PointerBases(header.vaddr(), 0, header.vaddr(), PointerBases.NO_MEMORY);
        address = in.pointer(Byte.toUnsignedInt(bytes[1]), bases, 0);
      } catch (MalformedCfiException e) {
        return Optional.empty();
      }
      for (ElfSegment load : file.loadSegments()) {
        if (load.containsVaddr(address)) {
          long offset = load.offset() + (address - load.vaddr());
          long length = load.offset() + load.fileSize() - offset;
          byte[] data = file.readAt(offset, (int) Math.min(length, Integer.MAX_VALUE - 8));
          return Optional.of(new FrameSection(ByteBuffer.wrap(data), true, basesOf(file, address)));
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<FrameSection> debugFrame(ElfFile file, PointerBases bases)
      throws IOException {
    Optional<ElfSection> section = file.section(".debug_frame");
    if (section.isEmpty() || !section.get().hasFileBytes()) {
      return Optional.empty();
    }
    return Optional.of(new FrameSection(file.sectionData(section.get()), false, bases));
  }

  /**
   * The rule for {@code address} (file address space): {@link CfiRule#NONE} where no frame
   * description covers it.
   */
  public long rule(long address) {
    long offset = address - base;
    if (offset < 0 || offset > Integer.MAX_VALUE || starts.length == 0) {
      return CfiRule.NONE;
    }
    int key = (int) offset;
    int lo = 0;
    int hi = starts.length - 1;
    if (key < starts[0]) {
      return CfiRule.NONE;
    }
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (starts[mid] <= key) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return rules[narrowIds != null ? narrowIds[lo] : wideIds[lo]];
  }

  public CfiArchitecture architecture() {
    return architecture;
  }

  /** Whether no address has a rule. */
  public boolean isEmpty() {
    return starts.length == 0;
  }

  /** Rows after merging: runs of addresses with one rule, gaps included. */
  public int rowCount() {
    return starts.length;
  }

  /** Distinct rules. */
  public int distinctRules() {
    return rules.length;
  }

  /** The lowest address with a row. */
  public long base() {
    return base;
  }

  /** The start address (file address space) of row {@code index}. */
  public long rowStart(int index) {
    return base + starts[index];
  }

  /** The rule of row {@code index}. */
  public long rowRule(int index) {
    return rules[narrowIds != null ? narrowIds[index] : wideIds[index]];
  }

  /** How many addresses have a rule (gaps left out). */
  public long coveredBytes() {
    long bytes = 0;
    for (int i = 0; i + 1 < starts.length; i++) {
      if (rowRule(i) != CfiRule.NONE) {
        bytes += starts[i + 1] - starts[i];
      }
    }
    return bytes;
  }

  public Statistics statistics() {
    return statistics;
  }

  /** The heap this table takes: its arrays with their headers and the object itself. */
  public long memoryBytes() {
    long arrays = 16L + 4L * starts.length + 16L + 8L * rules.length;
    arrays += narrowIds != null ? 16L + 2L * narrowIds.length : 16L + 4L * wideIds.length;
    return 48 + arrays;
  }

  @Override
  public String toString() {
    return "CfiTable[" + starts.length + " rows, " + rules.length + " rules, " + statistics + "]";
  }
}
