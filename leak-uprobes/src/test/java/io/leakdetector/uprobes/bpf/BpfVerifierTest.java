package io.leakdetector.uprobes.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.testkit.Prerequisite;
import io.leakdetector.uprobes.UprobesSourceProvider;
import io.leakdetector.uprobes.linux.LinuxC;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel's verifier on what the builder makes: every probe program loads; a program it refuses
 * comes back as one sentence ending in the verifier's own last word, with the whole log kept.
 */
class BpfVerifierTest {
  private final Bpf bpf = new Bpf(BpfArch.X86_64);

  @BeforeEach
  void permitted() {
    Prerequisite.require(
        new UprobesSourceProvider().availability().reason().startsWith("BPF design"),
        "BPF permitted here (root, Linux 5.8+)");
  }

  @Test
  void everyProbeProgramPassesTheVerifier() throws Exception {
    int ring = bpf.createMap(Bpf.MAP_TYPE_RINGBUF, 0, 0, 1 << 16, 0, "t_ring");
    int globals =
        bpf.createMap(Bpf.MAP_TYPE_ARRAY, 4, ProbePrograms.GLOBALS_SIZE, 1, Bpf.F_MMAPABLE, "t_g");
    int memptrs = bpf.createMap(Bpf.MAP_TYPE_HASH, 8, 8, 64, 0, "t_memptr");
    int excluded = bpf.createMap(Bpf.MAP_TYPE_HASH, 4, 1, 64, 0, "t_excluded");
    try {
      // the last shape self-tracing: with the excluded-threads map
      int[][] shapes = {{1, 0, 0}, {64, 4096, 0}, {127, 65536, 0}, {64, 2048, 1}};
      for (int[] shape : shapes) {
        ProbePrograms p =
            new ProbePrograms(
                BpfArch.X86_64,
                shape[2] == 0
                    ? new ProbePrograms.Maps(ring, globals, memptrs)
                    : new ProbePrograms.Maps(ring, globals, memptrs, excluded),
                shape[0],
                shape[1],
                1 << 14);
        for (BpfAssembler program :
            List.of(p.entry(0), p.ret(1), p.memalignEntry(2), p.memalignReturn(3), p.exec())) {
          int fd = bpf.loadProgram("t_probe", program.assemble(), 1 << 20);
          assertThat(fd).isPositive();
          LinuxC.close(fd);
        }
        int cookie = ProbePrograms.SITE_FROM_COOKIE;
        for (BpfAssembler program :
            List.of(
                p.entry(cookie),
                p.ret(cookie),
                p.memalignEntry(cookie),
                p.memalignReturn(cookie),
                p.exec())) {
          int fd = bpf.loadProgram("t_multi", program.assemble(), 1 << 20, Bpf.TRACE_UPROBE_MULTI);
          assertThat(fd).isPositive();
          LinuxC.close(fd);
        }
      }
    } finally {
      LinuxC.close(ring);
      LinuxC.close(globals);
      LinuxC.close(memptrs);
      LinuxC.close(excluded);
    }
  }

  @Test
  void aRefusedProgramIsOneSentenceWithTheVerifiersReason() {
    // exit without setting r0: the verifier says "R0 !read_ok"
    byte[] bad = new BpfAssembler().exit().assemble();
    assertThatThrownBy(() -> bpf.loadProgram("leak_bad", bad, 1 << 16))
        .isInstanceOfSatisfying(
            Bpf.VerifierRejection.class,
            e -> {
              assertThat(e.getMessage())
                  .isEqualTo(
                      "The kernel's BPF verifier refused the program leak_bad (Permission"
                          + " denied): R0 !read_ok");
              assertThat(e.getMessage()).doesNotContain("\n");
              assertThat(e.log()).contains("R0 !read_ok");
            });
  }
}
