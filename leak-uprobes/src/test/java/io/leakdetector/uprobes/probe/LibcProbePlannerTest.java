package io.leakdetector.uprobes.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.symbols.linux.ProcMapsEntry;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Plans the probes of this machine's own libc and checks them against objdump and nm. */
class LibcProbePlannerTest {

  static Path ownLibc() throws IOException {
    for (ProcMapsEntry e : ProcMaps.read(ProcessHandle.current().pid())) {
      if (e.isExecutable() && LibcLocator.isLibcName(e.path())) {
        return Path.of(e.path());
      }
    }
    throw new IllegalStateException("this JVM maps no libc");
  }

  @Test
  void findsEveryAllocatorOnceAndPlacesProbesOnDecodedInstructionBoundaries() throws Exception {
    Path libc = ownLibc();
    LibcImage image = new LibcProbePlanner(true).plan(libc.toString(), libc, FileId.NONE);
    Map<String, Long> nm = dynamicSymbols(libc);
    List<String> probed = new ArrayList<>();
    for (ProbeSite site : image.sites()) {
      for (AllocatorFunction f : site.functions()) {
        probed.add(f.symbol());
        // glibc's .so has vaddr == file offset for .text
        assertThat(site.entryOffset()).as(f.symbol()).isEqualTo(nm.get(f.symbol()));
      }
      List<Long> boundaries = instructionStarts(libc, site.entryOffset(), 32);
      assertThat(boundaries).as(site.function().symbol()).contains(site.probeOffset());
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
    // one site per distinct address
    assertThat(image.sites())
        .hasSize(
            (int)
                nm.entrySet().stream()
                    .filter(e -> probed.contains(e.getKey()))
                    .map(Map.Entry::getValue)
                    .distinct()
                    .count());
  }

  @Test
  void everyInstructionTheDecoderKnowsHasObjdumpsLength() throws Exception {
    Path libc = ownLibc();
    LibcImage image = new LibcProbePlanner(true).plan(libc.toString(), libc, FileId.NONE);
    for (ProbeSite site : image.sites()) {
      List<Long> starts = instructionStarts(libc, site.entryOffset(), 64);
      byte[] code;
      try (var elf = io.leakdetector.symbols.elf.ElfFile.open(libc)) {
        code = elf.readAt(site.entryOffset(), 48);
      }
      for (int i = 0; i + 1 < starts.size(); i++) {
        int at = (int) (starts.get(i) - site.entryOffset());
        X86Instruction insn = X86Decoder.decode(code, at);
        if (insn != null && starts.get(i + 1) < site.entryOffset() + code.length) {
          assertThat((long) insn.length())
              .as("%s+%d", site.function().symbol(), at)
              .isEqualTo(starts.get(i + 1) - starts.get(i));
        }
      }
    }
  }

  @Test
  void debianGlibc236PlacementIsTheMeasuredOne() throws Exception {
    Path libc = ownLibc();
    String version = new String(Files.readAllBytes(libc), StandardCharsets.ISO_8859_1);
    // the measured placement of one build; on any other the generic checks above apply
    io.leakdetector.uprobes.testing.Prerequisites.require(
        version.contains("GNU C Library (Debian GLIBC 2.36-9+deb12u"),
        "Debian 12's glibc 2.36, the build whose placement was measured");
    LibcImage image = new LibcProbePlanner(true).plan(libc.toString(), libc, FileId.NONE);
    Map<String, Integer> delta = new TreeMap<>();
    for (ProbeSite site : image.sites()) {
      for (AllocatorFunction f : site.functions()) {
        delta.put(f.symbol(), site.placementDelta());
      }
    }
    assertThat(delta)
        .containsEntry("malloc", 0)
        .containsEntry("calloc", 0)
        .containsEntry("realloc", 0)
        .containsEntry("reallocarray", 0)
        .containsEntry("free", 3)
        .containsEntry("posix_memalign", 7)
        .containsEntry("memalign", 7)
        .containsEntry("aligned_alloc", 7)
        .containsEntry("valloc", 7)
        // the bytes "78 18" inside valloc's "mov 0x18(%rax),%rdi" read as a js to pvalloc+4: the
        // conservative branch scan keeps pvalloc at its entry
        .containsEntry("pvalloc", 0);
    LibcImage atEntry = new LibcProbePlanner(false).plan(libc.toString(), libc, FileId.NONE);
    assertThat(atEntry.sites()).allMatch(s -> s.placementDelta() == 0);
  }

  private static Map<String, Long> dynamicSymbols(Path lib) throws Exception {
    String out = run("nm", "-D", "--defined-only", lib.toString());
    Map<String, Long> symbols = new TreeMap<>();
    for (String line : out.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 3) {
        String name = f[2].replaceAll("@.*", "");
        if (!f[2].contains("@") || f[2].contains("@@")) {
          symbols.putIfAbsent(name, Long.parseLong(f[0], 16));
        }
      }
    }
    return symbols;
  }

  private static List<Long> instructionStarts(Path lib, long from, int bytes) throws Exception {
    String out =
        run(
            "objdump",
            "-d",
            "--insn-width=16",
            "--start-address=0x" + Long.toHexString(from),
            "--stop-address=0x" + Long.toHexString(from + bytes),
            lib.toString());
    Pattern line = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f]{2} )+");
    List<Long> starts = new ArrayList<>();
    for (String l : out.split("\n")) {
      Matcher m = line.matcher(l);
      if (m.find()) {
        starts.add(Long.parseLong(m.group(1), 16));
      }
    }
    return starts;
  }

  private static String run(String... command) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      Prerequisites.require(false, command[0]);
      throw e;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
}
