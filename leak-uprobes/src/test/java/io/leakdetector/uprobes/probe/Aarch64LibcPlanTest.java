package io.leakdetector.uprobes.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.uprobes.linux.CpuArch;
import io.leakdetector.uprobes.testing.Aarch64Toolchain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Plans the probes of a real arm64 glibc (the cross toolchain's {@code libc6-arm64-cross}) the way
 * the source does on aarch64 — at each entry, no placement — and checks the sites against the
 * aarch64 binutils' {@code nm} and {@code readelf}.
 */
class Aarch64LibcPlanTest {
  private Path libc;

  @BeforeEach
  void toolchain() throws Exception {
    Aarch64Toolchain.require();
    libc = Aarch64Toolchain.libc();
  }

  @Test
  void everyAllocatorOfTheArm64GlibcIsProbedOnceAtItsEntry() throws Exception {
    try (ElfFile elf = ElfFile.open(libc)) {
      assertThat(elf.machine()).isEqualTo(ElfFile.EM_AARCH64);
    }
    LibcImage image =
        new LibcProbePlanner(CpuArch.AARCH64.placesProbesAfterPrologue())
            .plan(libc.toString(), libc, FileId.NONE);
    Map<String, Long> offsets = fileOffsetsOfDynamicSymbols();
    List<String> probed = new ArrayList<>();
    for (ProbeSite site : image.sites()) {
      assertThat(site.probeOffset()).as(site.function().symbol()).isEqualTo(site.entryOffset());
      // arch/arm64/kernel/probes/uprobes.c: a probe address not 4-byte aligned is EINVAL
      assertThat(site.probeOffset() % 4).as(site.function().symbol()).isZero();
      for (AllocatorFunction f : site.functions()) {
        probed.add(f.symbol());
        assertThat(site.entryOffset()).as(f.symbol()).isEqualTo(offsets.get(f.symbol()));
      }
    }
    assertThat(probed)
        .containsExactlyInAnyOrder(
            "malloc",
            "calloc",
            "realloc",
            "reallocarray",
            "free",
            "posix_memalign",
            "aligned_alloc",
            "memalign",
            "valloc",
            "pvalloc");
    assertThat(image.sites())
        .hasSize((int) probed.stream().map(offsets::get).distinct().count())
        .hasSizeLessThan(probed.size()); // glibc: aligned_alloc and memalign share an address
  }

  /** Default-version dynamic symbols, their addresses turned into file offsets by PT_LOAD. */
  private Map<String, Long> fileOffsetsOfDynamicSymbols() throws Exception {
    List<long[]> loads = new ArrayList<>(); // offset, vaddr, filesz
    for (String line : Aarch64Toolchain.runOrFail("readelf", "-lW", libc.toString()).split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 5 && f[0].equals("LOAD")) {
        loads.add(new long[] {Long.decode(f[1]), Long.decode(f[2]), Long.decode(f[4])});
      }
    }
    Map<String, Long> offsets = new TreeMap<>();
    String nm = Aarch64Toolchain.runOrFail("nm", "-D", "--defined-only", libc.toString());
    for (String line : nm.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 3 || (f[2].contains("@") && !f[2].contains("@@"))) {
        continue;
      }
      long address = Long.parseUnsignedLong(f[0], 16);
      for (long[] load : loads) {
        if (address >= load[1] && address < load[1] + load[2]) {
          offsets.putIfAbsent(f[2].replaceAll("@.*", ""), address - load[1] + load[0]);
        }
      }
    }
    return offsets;
  }
}
