package io.leakdetector.uprobes.probe;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSegment;
import io.leakdetector.symbols.elf.ElfSymbol;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/** Finds the allocator entry points of a libc file and where to probe each. */
public final class LibcProbePlanner {
  private final boolean placeAfterPrologue;

  /**
   * @param placeAfterPrologue whether to move probes past side-effect-free first instructions
   *     (x86-64; see {@link ProbePlacement})
   */
  public LibcProbePlanner(boolean placeAfterPrologue) {
    this.placeAfterPrologue = placeAfterPrologue;
  }

  /**
   * Plans the probes of one libc.
   *
   * @return the image, with no sites when the file defines none of the functions
   */
  public LibcImage plan(String targetPath, Path hostPath, FileId file) throws IOException {
    try (ElfFile elf = ElfFile.open(hostPath)) {
      Map<Long, List<AllocatorFunction>> byOffset = new LinkedHashMap<>();
      Map<Long, Long> sizes = new LinkedHashMap<>();
      for (AllocatorFunction f : AllocatorFunction.values()) {
        ElfSymbol symbol = elf.findSymbol(f.symbol()).orElse(null);
        if (symbol == null || symbol.type() != ElfSymbol.STT_FUNC || symbol.value() == 0) {
          continue; // absent, or an IFUNC whose address is its resolver
        }
        OptionalLong offset = elf.fileOffsetOf(symbol.value());
        if (offset.isEmpty()) {
          continue;
        }
        List<AllocatorFunction> names =
            byOffset.computeIfAbsent(offset.getAsLong(), k -> new ArrayList<>());
        if (names.isEmpty() || names.get(0).kind() == f.kind()) {
          names.add(f);
        }
        sizes.putIfAbsent(offset.getAsLong(), symbol.size());
      }
      List<Long> entries = new ArrayList<>(byOffset.keySet());
      long[] probe = new long[entries.size()];
      for (int i = 0; i < probe.length; i++) {
        long entry = entries.get(i);
        probe[i] = entry;
        if (placeAfterPrologue) {
          long size = sizes.get(entry);
          int window =
              size > 0 ? (int) Math.min(size, ProbePlacement.WINDOW) : ProbePlacement.WINDOW;
          byte[] code = readUpTo(elf, entry, window);
          probe[i] = entry + ProbePlacement.candidateOffset(code);
        }
      }
      rejectBranchTargets(elf, entries, probe);
      List<ProbeSite> sites = new ArrayList<>();
      for (int i = 0; i < probe.length; i++) {
        sites.add(new ProbeSite(byOffset.get(entries.get(i)), entries.get(i), probe[i]));
      }
      return new LibcImage(targetPath, hostPath, file, sites);
    }
  }

  /** Moves a probe back to its entry when any branch in the code targets the skipped bytes. */
  private static void rejectBranchTargets(ElfFile elf, List<Long> entries, long[] probe)
      throws IOException {
    int moved = 0;
    for (int i = 0; i < probe.length; i++) {
      if (probe[i] != entries.get(i)) {
        moved++;
      }
    }
    if (moved == 0) {
      return;
    }
    for (ElfSegment segment : elf.loadSegments()) {
      if (!segment.isExecutable() || segment.fileSize() <= 0) {
        continue;
      }
      long[] low = new long[probe.length];
      long[] high = new long[probe.length];
      for (int i = 0; i < probe.length; i++) {
        low[i] = entries.get(i);
        high[i] = probe[i];
      }
      byte[] code = elf.readAt(segment.offset(), Math.toIntExact(segment.fileSize()));
      boolean[] hit = BranchTargets.anyInto(code, segment.offset(), low, high);
      for (int i = 0; i < probe.length; i++) {
        if (hit[i]) {
          probe[i] = entries.get(i);
        }
      }
    }
  }

  private static byte[] readUpTo(ElfFile elf, long offset, int length) throws IOException {
    int n = (int) Math.max(0, Math.min(length, elf.fileSize() - offset));
    return elf.readAt(offset, n);
  }
}
