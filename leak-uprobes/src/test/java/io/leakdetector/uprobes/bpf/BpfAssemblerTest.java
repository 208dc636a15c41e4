package io.leakdetector.uprobes.bpf;

import static io.leakdetector.uprobes.bpf.BpfAssembler.R0;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R1;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R10;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R2;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R3;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R6;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R7;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The instruction builder and every probe program, byte for byte: known encodings written out by
 * hand (from {@code linux/bpf.h}), and each program's text assembled independently by GNU as for
 * BPF (Debian's binutils-bpf) and compared with what the builder encodes. Map loads, which that
 * syntax cannot say, are compared without their pseudo-source nibble and checked by hand.
 */
class BpfAssemblerTest {
  @TempDir Path dir;

  private static String hex(byte[] b) {
    return HexFormat.ofDelimiter(" ").formatHex(b);
  }

  @Test
  void knownEncodings() {
    assertThat(hex(new BpfAssembler().movReg(R6, R1).assemble()))
        .isEqualTo("bf 16 00 00 00 00 00 00");
    assertThat(hex(new BpfAssembler().loadDw(R0, R1, 8).assemble()))
        .isEqualTo("79 10 08 00 00 00 00 00");
    assertThat(hex(new BpfAssembler().storeW(R10, -8, R2).assemble()))
        .isEqualTo("63 2a f8 ff 00 00 00 00");
    assertThat(hex(new BpfAssembler().call(131).assemble())).isEqualTo("85 00 00 00 83 00 00 00");
    assertThat(hex(new BpfAssembler().atomicAddDw(R1, 8, R2).assemble()))
        .isEqualTo("db 21 08 00 00 00 00 00");
    assertThat(hex(new BpfAssembler().exit().assemble())).isEqualTo("95 00 00 00 00 00 00 00");
    // ld_imm64 of a map fd (src = BPF_PSEUDO_MAP_FD) and of a map value (BPF_PSEUDO_MAP_VALUE)
    assertThat(hex(new BpfAssembler().loadMap(R1, 7).assemble()))
        .isEqualTo("18 11 00 00 07 00 00 00 00 00 00 00 00 00 00 00");
    assertThat(hex(new BpfAssembler().loadMapValue(R1, 9, 8).assemble()))
        .isEqualTo("18 21 00 00 09 00 00 00 00 00 00 00 08 00 00 00");
  }

  @Test
  void jumpsGoToTheirLabelsForwardAndBack() {
    byte[] code =
        new BpfAssembler()
            .label("top")
            .jeqImm(R0, 0, "end")
            .movImm(R0, 1)
            .ja("top")
            .label("end")
            .exit()
            .assemble();
    assertThat(hex(code))
        .isEqualTo(
            "15 00 02 00 00 00 00 00 b7 00 00 00 01 00 00 00 05 00 fd ff 00 00 00 00"
                + " 95 00 00 00 00 00 00 00");
    assertThatThrownBy(() -> new BpfAssembler().ja("nowhere").assemble())
        .hasMessageContaining("label nowhere is not defined");
    assertThatThrownBy(() -> new BpfAssembler().label("a").label("a"))
        .hasMessageContaining("defined twice");
  }

  private byte[] gnuAssemble(String name, String text) throws IOException {
    Path as = Prerequisite.tool("bpf-as", "apt-get install binutils-bpf");
    Path source = Files.writeString(dir.resolve(name + ".s"), text);
    Path object = dir.resolve(name + ".o");
    Commands.run(List.of(as.toString(), "-o", object.toString(), source.toString()));
    Path raw = dir.resolve(name + ".bin");
    Commands.run(
        List.of("bpf-objcopy", "-O", "binary", "-j", ".text", object.toString(), raw.toString()));
    return Files.readAllBytes(raw);
  }

  /** The bytes with the source register of every pseudo map load cleared, as GNU as writes it. */
  private static byte[] withoutPseudoSources(byte[] code) {
    byte[] copy = code.clone();
    for (int i = 0; i < copy.length; i += 8) {
      if ((copy[i] & 0xFF) == 0x18) {
        copy[i + 1] &= 0x0F;
        i += 8; // second slot
      }
    }
    return copy;
  }

  @Test
  void everyInstructionMatchesGnuAs() throws IOException {
    BpfAssembler a =
        new BpfAssembler()
            .movImm(R1, -5)
            .orImm(R1, 0x20000)
            .movReg(R2, R3)
            .addImm(R2, -8)
            .andImm(R1, 0xFF)
            .lshImm(R1, 3)
            .rshImm(R1, 32)
            .loadDw(R6, R1, 152)
            .loadW(R0, R1, 0)
            .storeDw(R7, 48, R1)
            .storeW(R7, 8, R0)
            .storeDwImm(R7, 24, 0)
            .storeWImm(R7, 12, 0x20005)
            .atomicAddDw(R1, 0, R2)
            .loadImm64(R3, 0x1122334455667788L)
            .call(67)
            .label("l")
            .jeqImm(R0, 0, "x")
            .jneImm(R0, 0, "x")
            .jgtImm(R0, 3, "x")
            .jltImm(R0, 1 << 20, "x")
            .jsgtImm(R0, -1, "l")
            .jgeReg(R1, R2, "l")
            .ja("x")
            .label("x")
            .exit();
    assertThat(hex(a.assemble())).isEqualTo(hex(gnuAssemble("all", a.text())));
  }

  @Test
  void everyProbeProgramMatchesGnuAs() throws IOException {
    // the second set: self-tracing, with the excluded-threads map (fd 14)
    for (ProbePrograms.Maps maps :
        List.of(new ProbePrograms.Maps(11, 12, 13), new ProbePrograms.Maps(11, 12, 13, 14))) {
      everyProbeProgramMatchesGnuAs(maps);
    }
  }

  private void everyProbeProgramMatchesGnuAs(ProbePrograms.Maps maps) throws IOException {
    for (BpfArch arch : new BpfArch[] {BpfArch.X86_64, BpfArch.AARCH64}) {
      ProbePrograms p = new ProbePrograms(arch, maps, 64, 1024, 1 << 22);
      Map<String, BpfAssembler> programs = new LinkedHashMap<>();
      programs.put("entry", p.entry(3));
      programs.put("ret", p.ret(4));
      programs.put("memalignEntry", p.memalignEntry(5));
      programs.put("memalignReturn", p.memalignReturn(6));
      programs.put("exec", p.exec());
      // the programs shared by the sites of a uprobe-multi link (site from the attach cookie)
      int cookie = ProbePrograms.SITE_FROM_COOKIE;
      programs.put("entryByCookie", p.entry(cookie));
      programs.put("retByCookie", p.ret(cookie));
      programs.put("memalignEntryByCookie", p.memalignEntry(cookie));
      programs.put("memalignReturnByCookie", p.memalignReturn(cookie));
      for (Map.Entry<String, BpfAssembler> e : programs.entrySet()) {
        byte[] ours = e.getValue().assemble();
        byte[] gnu = gnuAssemble(e.getKey(), e.getValue().text());
        assertThat(hex(withoutPseudoSources(ours)))
            .as(e.getKey() + " on " + arch + " with " + maps)
            .isEqualTo(hex(gnu));
      }
    }
  }

  @Test
  void programsLoadTheirMapsAndWriteTheRecordLayout() {
    ProbePrograms p =
        new ProbePrograms(BpfArch.X86_64, new ProbePrograms.Maps(11, 12, 13), 64, 0, 1 << 22);
    String ret = hex(p.ret(4).assemble());
    // the ring (fd 11) by BPF_PSEUDO_MAP_FD, the globals' armed word (fd 12, offset 0) by value
    assertThat(ret).contains("18 11 00 00 0b 00 00 00 00 00 00 00 00 00 00 00");
    assertThat(ret).contains("18 21 00 00 0c 00 00 00 00 00 00 00 00 00 00 00");
    // the lost counter: globals offset 8, then lock xadd
    assertThat(ret).contains("18 21 00 00 0c 00 00 00 00 00 00 00 08 00 00 00");
    assertThat(ret).contains("db 21 00 00 00 00 00 00");
    // reserve a return record of 48 + 64 × 8 + 32 bytes (no stack copy); site 4, kind 2 at 12
    assertThat(ret).contains("b7 02 00 00 50 02 00 00");
    assertThat(ret).contains("62 07 0c 00 04 00 02 00");
    // bpf_get_stack(ctx, record + 48, 512, BPF_F_USER_STACK)
    assertThat(ret)
        .contains(
            "07 02 00 00 30 00 00 00 b7 03 00 00 00 02 00 00 b7 04 00 00 00 01 00 00 85 00 00 00 43 00 00 00");
    // the posix_memalign map (fd 13) in the memalign programs only
    assertThat(hex(p.memalignReturn(6).assemble()))
        .contains("18 11 00 00 0d 00 00 00 00 00 00 00 00 00 00 00");
    assertThat(ret).doesNotContain("18 11 00 00 0d 00 00 00");
  }

  @Test
  void onlySelfTracingProgramsLookTheThreadUpAndCountItsDroppedEvents() {
    ProbePrograms plain =
        new ProbePrograms(BpfArch.X86_64, new ProbePrograms.Maps(11, 12, 13), 64, 0, 1 << 22);
    ProbePrograms self =
        new ProbePrograms(BpfArch.X86_64, new ProbePrograms.Maps(11, 12, 13, 14), 64, 0, 1 << 22);
    // the excluded-threads map (fd 14), looked up with the tid stored at r10 - 4
    String lookup =
        "63 0a fc ff 00 00 00 00 18 11 00 00 0e 00 00 00 00 00 00 00 00 00 00 00"
            + " bf a2 00 00 00 00 00 00 07 02 00 00 fc ff ff ff 85 00 00 00 01 00 00 00";
    // the excluded counter: globals offset 16
    String excluded = "18 21 00 00 0c 00 00 00 00 00 00 00 10 00 00 00";
    for (BpfAssembler program : List.of(self.entry(1), self.ret(2), self.memalignReturn(3))) {
      assertThat(hex(program.assemble())).contains(lookup).contains(excluded);
    }
    for (BpfAssembler program : List.of(plain.entry(1), plain.ret(2), plain.memalignReturn(3))) {
      assertThat(hex(program.assemble()))
          .doesNotContain(excluded)
          .doesNotContain("18 11 00 00 0e 00 00 00");
    }
    assertThat(ProbePrograms.GLOBAL_EXCLUDED + 8).isLessThanOrEqualTo(ProbePrograms.GLOBALS_SIZE);
  }

  @Test
  void returnProgramsCopyRegistersAndTheStackInAlignedChunks() {
    ProbePrograms p =
        new ProbePrograms(BpfArch.X86_64, new ProbePrograms.Maps(11, 12, 13), 64, 1024, 1 << 22);
    assertThat(p.returnSize()).isEqualTo(48 + 64 * 8 + 32 + 1024);
    String ret = hex(p.ret(4).assemble());
    // ip (pt_regs 128) to record 560, rbp (32) to 576, rsp (152) kept in r8 and stored at 568
    assertThat(ret).contains("79 61 80 00 00 00 00 00 7b 17 30 02 00 00 00 00");
    assertThat(ret).contains("79 61 20 00 00 00 00 00 7b 17 40 02 00 00 00 00");
    assertThat(ret).contains("79 68 98 00 00 00 00 00 7b 87 38 02 00 00 00 00");
    // r8 &= -512; r9 = 0
    assertThat(ret).contains("57 08 00 00 00 fe ff ff b7 09 00 00 00 00 00 00");
    // second chunk: bpf_probe_read_user(record + 592 + 512, 512, r8 + 512), then r9 = 1024
    assertThat(ret)
        .contains(
            "bf 71 00 00 00 00 00 00 07 01 00 00 50 04 00 00 b7 02 00 00 00 02 00 00"
                + " bf 83 00 00 00 00 00 00 07 03 00 00 00 02 00 00 85 00 00 00 70 00 00 00");
    assertThat(ret).contains("b7 09 00 00 00 04 00 00");
    // copied (r9) stored as a u32 at 584
    assertThat(ret).contains("63 97 48 02 00 00 00 00");
  }
}
