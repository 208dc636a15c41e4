package io.leakdetector.symbols.unwind;

import static io.leakdetector.symbols.unwind.CfaOps.R12;
import static io.leakdetector.symbols.unwind.CfaOps.RBP;
import static io.leakdetector.symbols.unwind.CfaOps.RBX;
import static io.leakdetector.symbols.unwind.CfaOps.RIP;
import static io.leakdetector.symbols.unwind.CfaOps.RSP;
import static io.leakdetector.symbols.unwind.CfaOps.ops;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CFI compiler on byte-exact {@code .eh_frame} and {@code .debug_frame} data written here: CIE
 * augmentations, pointer encodings, every {@code DW_CFA_*} instruction, remember/restore state,
 * expressions the tables cannot hold (which must come out unsupported, never guessed), gaps,
 * overlaps and damaged input.
 */
class CfiCompilerTest {
  static final long SECTION = 0x10000;
  static final CfiArchitecture X86 = CfiArchitecture.X86_64;

  /**
   * GCC's x86-64 CIE: "zR", pc-relative sdata4 addresses, CFA = rsp + 8, return address at CFA − 8.
   */
  static int gccCie(FrameSectionWriter w) {
    return w.cie("zR", -8, RIP, Bytes.of().u8(0x1b), ops().defCfa(RSP, 8).offset(RIP, 1).bytes());
  }

  static CfiTable eh(FrameSectionWriter w) {
    return CfiTable.ofEhFrame(X86, w.terminator().toArray(), SECTION);
  }

  static void assertRules(CfiTable table, Map<Long, String> expected) {
    expected.forEach(
        (address, rule) ->
            assertThat(CfiRule.toString(table.rule(address)))
                .as("rule at 0x%x", address)
                .isEqualTo(rule));
  }

  @Test
  void prologueBodyAndEpilogueWithRememberedState() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    w.fde(
        cie,
        0x1000,
        0x40,
        Bytes.of(),
        ops()
            .advance(1) // push rbp
            .defCfaOffset(16)
            .offset(RBP, 2)
            .advance(3) // mov rbp, rsp
            .defCfaRegister(RBP)
            .advance(0x20) // leave
            .rememberState()
            .defCfa(RSP, 8)
            .advance(1) // ret; code after it runs with the remembered rules
            .restoreState()
            .bytes());
    CfiTable table = eh(w);
    assertRules(
        table,
        Map.of(
            0x0fffL, "none",
            0x1000L, "rsp+8 ra=c-8 rbp=same",
            0x1003L, "rsp+16 ra=c-8 rbp=c-16",
            0x1004L, "rbp+16 ra=c-8 rbp=c-16",
            0x1023L, "rbp+16 ra=c-8 rbp=c-16",
            0x1024L, "rsp+8 ra=c-8 rbp=c-16",
            0x1025L, "rbp+16 ra=c-8 rbp=c-16",
            0x103fL, "rbp+16 ra=c-8 rbp=c-16",
            0x1040L, "none"));
    assertThat(table.rowCount()).isEqualTo(6);
    assertThat(table.statistics().descriptions()).isEqualTo(1);
    assertThat(table.statistics().damagedDescriptions()).isZero();
  }

  @Test
  void personalityLsdaAndEncodingAugmentations() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    // "zPLR": personality (indirect pc-relative sdata4, never followed), LSDA encoding, FDE
    // encoding
    Bytes data = Bytes.of().u8(0x9b).u32(0x1234).u8(0x1b).u8(0x1b);
    int cie = w.cie("zPLR", -8, RIP, data, ops().defCfa(RSP, 8).offset(RIP, 1).bytes());
    w.fde(cie, 0x2000, 0x10, Bytes.of().u32(0x5678), ops().advance(4).defCfaOffset(32).bytes());
    // an unknown augmentation after z: the data length tells where the instructions start
    int odd =
        w.cie(
            "zRX",
            -8,
            RIP,
            Bytes.of().u8(0x1b).u8(0xaa, 0xbb),
            ops().defCfa(RSP, 8).offset(RIP, 1).bytes());
    w.fde(odd, 0x2100, 0x10, Bytes.of(), ops().advance(2).defCfaOffset(24).bytes());
    CfiTable table = eh(w);
    assertRules(
        table,
        Map.of(
            0x2000L, "rsp+8 ra=c-8 rbp=same",
            0x2004L, "rsp+32 ra=c-8 rbp=same",
            0x2010L, "none",
            0x2100L, "rsp+8 ra=c-8 rbp=same",
            0x2102L, "rsp+24 ra=c-8 rbp=same"));
  }

  @Test
  void signalFrameExpressionsFallBackToUnsupported() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = w.cie("zRS", -8, RIP, Bytes.of().u8(0x1b), ops().bytes());
    // glibc's __restore_rt: everything is read from the ucontext on the stack
    Bytes breg7 = Bytes.of().u8(0x77);
    w.fde(
        cie,
        0x3000,
        0x10,
        Bytes.of(),
        ops()
            .defCfaExpression(Bytes.of().u8(0x77).sleb(160).u8(0x06))
            .expression(RBP, Bytes.of().bytes(breg7).sleb(120))
            .expression(RIP, Bytes.of().u8(0x77).sleb(168))
            .bytes());
    assertRules(eh(w), Map.of(0x3008L, "unsupported ra=unsupported rbp=unsupported"));
  }

  @Test
  void thePltExpressionIsHeldAndOthersAreNot() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    w.fde(
        cie,
        0x4000,
        0x40,
        Bytes.of(),
        ops()
            .defCfaOffset(16)
            .advance(6)
            .defCfaOffset(24)
            .advance(10)
            .defCfaExpression(CfaOps.pltExpression(8, 11))
            .bytes());
    w.fde(
        cie, 0x4100, 0x10, Bytes.of(), ops().defCfaExpression(CfaOps.pltExpression(8, 10)).bytes());
    byte[] greater = CfaOps.pltExpression(8, 11).toArray();
    greater[7] = 0x2b; // DW_OP_gt instead of DW_OP_ge
    w.fde(cie, 0x4200, 0x10, Bytes.of(), ops().defCfaExpression(Bytes.of().bytes(greater)).bytes());
    byte[] longer = Bytes.of().bytes(CfaOps.pltExpression(8, 11)).u8(0x06).toArray(); // + deref
    w.fde(cie, 0x4300, 0x10, Bytes.of(), ops().defCfaExpression(Bytes.of().bytes(longer)).bytes());
    // a prefix of it, then ordinary rules: the FDE goes on after the expression
    w.fde(
        cie,
        0x4400,
        0x10,
        Bytes.of(),
        ops()
            .defCfaExpression(Bytes.of().u8(0x77).sleb(8).u8(0x80).sleb(0))
            .advance(4)
            .defCfa(RSP, 16)
            .bytes());
    CfiTable table = eh(w);
    assertRules(
        table,
        Map.of(
            0x4000L, "rsp+16 ra=c-8 rbp=same",
            0x4006L, "rsp+24 ra=c-8 rbp=same",
            0x4010L, "plt(rsp+8,>=11) ra=c-8 rbp=same",
            0x4100L, "plt(rsp+8,>=10) ra=c-8 rbp=same",
            0x4200L, "unsupported ra=c-8 rbp=same",
            0x4300L, "unsupported ra=c-8 rbp=same",
            0x4400L, "unsupported ra=c-8 rbp=same",
            0x4404L, "rsp+16 ra=c-8 rbp=same"));
    assertThat(table.statistics().damagedDescriptions()).isZero();
  }

  @Test
  void everyRegisterRule() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    Bytes breg7 = Bytes.of().u8(0x77).sleb(0);
    w.fde(
        cie,
        0x6000,
        0x100,
        Bytes.of(),
        ops()
            .offsetExtended(RBP, 3)
            .offset(RBX, 3) // a register the tables do not track: no effect
            .advance(1)
            .offsetExtendedSf(RBP, 2)
            .advance(1)
            .valOffset(RBP, 2)
            .advance(1)
            .sameValue(RBP)
            .advance(1)
            .valOffsetSf(RBP, -2)
            .advance(1)
            .register(RBP, R12)
            .advance(1)
            .sameValue(RBP)
            .advance(1)
            .undefined(RBP)
            .advance(1)
            .expression(RBP, breg7)
            .advance(1)
            .negativeOffsetExtended(RBP, 2)
            .advance(1)
            .restoreExtended(RBP)
            .advance(1)
            .offset(RBP, 4)
            .restore(RBP)
            .advance(1)
            .valExpression(RIP, breg7)
            .advance(1)
            .undefined(RIP)
            .advance(1)
            .restore(RIP)
            .advance(1)
            .register(RIP, RBX)
            .advance(1)
            .restoreExtended(RIP)
            .argsSize(32)
            .nop()
            .advance(1)
            .sameValue(RIP)
            .bytes());
    assertRules(
        eh(w),
        Map.ofEntries(
            Map.entry(0x6000L, "rsp+8 ra=c-8 rbp=c-24"),
            Map.entry(0x6001L, "rsp+8 ra=c-8 rbp=c-16"),
            Map.entry(0x6002L, "rsp+8 ra=c-8 rbp=unsupported"),
            Map.entry(0x6003L, "rsp+8 ra=c-8 rbp=same"),
            Map.entry(0x6004L, "rsp+8 ra=c-8 rbp=unsupported"),
            Map.entry(0x6005L, "rsp+8 ra=c-8 rbp=unsupported"),
            Map.entry(0x6006L, "rsp+8 ra=c-8 rbp=same"),
            Map.entry(0x6007L, "rsp+8 ra=c-8 rbp=undefined"),
            Map.entry(0x6008L, "rsp+8 ra=c-8 rbp=unsupported"),
            Map.entry(0x6009L, "rsp+8 ra=c-8 rbp=c+16"),
            Map.entry(0x600aL, "rsp+8 ra=c-8 rbp=same"),
            Map.entry(0x600bL, "rsp+8 ra=c-8 rbp=same"),
            Map.entry(0x600cL, "rsp+8 ra=unsupported rbp=same"),
            Map.entry(0x600dL, "rsp+8 ra=undefined rbp=same"),
            Map.entry(0x600eL, "rsp+8 ra=c-8 rbp=same"),
            Map.entry(0x600fL, "rsp+8 ra=unsupported rbp=same"),
            Map.entry(0x6010L, "rsp+8 ra=c-8 rbp=same"),
            Map.entry(0x6011L, "rsp+8 ra=same rbp=same")));
  }

  @Test
  void everyCfaRule() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    w.fde(
        cie,
        0x7000,
        0x100,
        Bytes.of(),
        ops()
            .defCfaSf(RBP, -2)
            .advance(1)
            .defCfaOffsetSf(-4)
            .advance(1)
            .defCfaRegister(RSP) // keeps the offset
            .advance(1)
            .defCfaOffset(48)
            .advance(1)
            .defCfa(RBX, 0)
            .advance(1)
            .defCfa(RSP, 8)
            .advance(1)
            .defCfaExpression(Bytes.of().u8(0x77).sleb(8))
            .advance(1)
            .defCfaOffset(16) // an offset for an expression changes nothing
            .advance(1)
            .defCfaRegister(RBP) // back to register + offset, with the last offset
            .advance(1)
            .register(RSP, R12) // the stack pointer is not the CFA any more
            .advance(1)
            .valOffset(RSP, 0) // it is again
            .bytes());
    assertRules(
        eh(w),
        Map.ofEntries(
            Map.entry(0x7000L, "rbp+16 ra=c-8 rbp=same"),
            Map.entry(0x7001L, "rbp+32 ra=c-8 rbp=same"),
            Map.entry(0x7002L, "rsp+32 ra=c-8 rbp=same"),
            Map.entry(0x7003L, "rsp+48 ra=c-8 rbp=same"),
            Map.entry(0x7004L, "unsupported ra=c-8 rbp=same"),
            Map.entry(0x7005L, "rsp+8 ra=c-8 rbp=same"),
            Map.entry(0x7006L, "unsupported ra=c-8 rbp=same"),
            Map.entry(0x7007L, "unsupported ra=c-8 rbp=same"),
            Map.entry(0x7008L, "rbp+16 ra=c-8 rbp=same"),
            Map.entry(0x7009L, "unsupported ra=c-8 rbp=same"),
            Map.entry(0x700aL, "rbp+16 ra=c-8 rbp=same")));
  }

  @Test
  void everyAdvanceScaledByTheCodeAlignment() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    // version 3 (uleb128 return column), code alignment 4, absolute udata4 addresses
    int cie =
        w.cie(
            3,
            "zR",
            8,
            4,
            -8,
            RIP,
            Bytes.of().u8(0x03),
            ops().defCfa(RSP, 8).offset(RIP, 1).bytes());
    w.fde(
        cie,
        Bytes.of().u32(0x8000).u32(0x1000),
        Bytes.of(),
        ops()
            .advance(1)
            .defCfaOffset(16)
            .advance1(2)
            .defCfaOffset(24)
            .advance2(0x100)
            .defCfaOffset(32)
            .advance4(0x10)
            .defCfaOffset(40)
            .setLoc(Bytes.of().u32(0x8800))
            .defCfaOffset(48)
            .mipsAdvance8(4)
            .defCfaOffset(56)
            .advance(0) // an empty row: the later rules hold at its address
            .defCfaOffset(64)
            .bytes());
    assertRules(
        eh(w),
        Map.of(
            0x8003L, "rsp+8 ra=c-8 rbp=same",
            0x8004L, "rsp+16 ra=c-8 rbp=same",
            0x800cL, "rsp+24 ra=c-8 rbp=same",
            0x840cL, "rsp+32 ra=c-8 rbp=same",
            0x844cL, "rsp+40 ra=c-8 rbp=same",
            0x8800L, "rsp+48 ra=c-8 rbp=same",
            0x880fL, "rsp+48 ra=c-8 rbp=same",
            0x8810L, "rsp+64 ra=c-8 rbp=same",
            0x8fffL, "rsp+64 ra=c-8 rbp=same",
            0x9000L, "none"));
  }

  @Test
  void rememberedStatesNestAndIncludeTheCfa() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    w.fde(
        cie,
        0x9000,
        0x10,
        Bytes.of(),
        ops()
            .advance(1)
            .defCfaOffset(16)
            .offset(RBP, 2)
            .rememberState()
            .advance(1)
            .defCfaOffset(24)
            .rememberState()
            .advance(1)
            .defCfa(RSP, 8)
            .restore(RBP)
            .advance(1)
            .restoreState()
            .advance(1)
            .restoreState()
            .bytes());
    assertRules(
        eh(w),
        Map.of(
            0x9000L, "rsp+8 ra=c-8 rbp=same",
            0x9001L, "rsp+16 ra=c-8 rbp=c-16",
            0x9002L, "rsp+24 ra=c-8 rbp=c-16",
            0x9003L, "rsp+8 ra=c-8 rbp=same",
            0x9004L, "rsp+24 ra=c-8 rbp=c-16",
            0x9005L, "rsp+16 ra=c-8 rbp=c-16"));
  }

  @Test
  void gapsOverlapsAndMergedRows() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    // out of address order on purpose: descriptions are sorted
    w.fde(cie, 0xa040, 0x20, Bytes.of(), ops().defCfaOffset(32).bytes());
    w.fde(cie, 0xa000, 0x10, Bytes.of(), ops().advance(4).defCfaOffset(16).bytes());
    w.fde(cie, 0xa010, 0x10, Bytes.of(), ops().advance(4).defCfaOffset(16).bytes());
    w.fde(cie, 0xa050, 0x20, Bytes.of(), ops().defCfaOffset(48).bytes()); // cuts the one at a040
    w.fde(cie, 0xa070, 0x10, Bytes.of(), ops().defCfaOffset(48).bytes()); // merges with a050's
    w.fde(
        cie,
        0xa100,
        0x10,
        Bytes.of(),
        ops().defCfaOffset(16).advance(2).defCfaOffset(16).advance(2).defCfaOffset(16).bytes());
    CfiTable table = eh(w);
    assertRules(
        table,
        Map.ofEntries(
            Map.entry(0xa00fL, "rsp+16 ra=c-8 rbp=same"),
            Map.entry(0xa010L, "rsp+8 ra=c-8 rbp=same"),
            Map.entry(0xa014L, "rsp+16 ra=c-8 rbp=same"),
            Map.entry(0xa020L, "none"),
            Map.entry(0xa03fL, "none"),
            Map.entry(0xa040L, "rsp+32 ra=c-8 rbp=same"),
            Map.entry(0xa04fL, "rsp+32 ra=c-8 rbp=same"),
            Map.entry(0xa050L, "rsp+48 ra=c-8 rbp=same"),
            Map.entry(0xa07fL, "rsp+48 ra=c-8 rbp=same"),
            Map.entry(0xa080L, "none"),
            Map.entry(0xa100L, "rsp+16 ra=c-8 rbp=same"),
            Map.entry(0xa10fL, "rsp+16 ra=c-8 rbp=same"),
            Map.entry(0xa110L, "none")));
    // a000 a004 a010 a014 a020(gap) a040 a050 a080(gap) a100 a110(end)
    assertThat(table.rowCount()).isEqualTo(10);
    assertThat(table.distinctRules()).isEqualTo(5); // none, rsp+8, +16, +32, +48
  }

  @Test
  void everyPointerEncoding() {
    long text = 0x400000;
    long data = 0x600000;
    long indirectCell = 0x600100;
    PointerBases bases =
        new PointerBases(
            SECTION,
            text,
            data,
            address -> {
              assertThat(address).isEqualTo(indirectCell);
              return 0x1a00;
            });
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    Object[][] cases = {
      {0x00, Bytes.of().u64(0x1000).u64(0x10)}, // absptr
      {0x04, Bytes.of().u64(0x1100).u64(0x10)}, // udata8
      {0x0c, Bytes.of().u64(0x1200).u64(0x10)}, // sdata8
      {0x02, Bytes.of().u16(0x1300).u16(0x10)}, // udata2
      {0x0a, Bytes.of().u16(0x1400).u16(0x10)}, // sdata2
      {0x01, Bytes.of().uleb(0x1500).uleb(0x10)}, // uleb128
      {0x09, Bytes.of().sleb(0x1600).sleb(0x10)}, // sleb128
      {0x03, Bytes.of().u32(0x1700).u32(0x10)}, // udata4
      {0x3b, Bytes.of().u32(0x1800 - data).u32(0x10)}, // datarel | sdata4
      {0x2b, Bytes.of().u32(0x1900 - text).u32(0x10)}, // textrel | sdata4
      {0x50, Bytes.of().u64(0x1b00).u64(0x10)}, // aligned absptr
    };
    for (int i = 0; i < cases.length; i++) {
      int cie =
          w.cie(
              "zR",
              -8,
              RIP,
              Bytes.of().u8((Integer) cases[i][0]),
              ops().defCfa(RSP, 8).offset(RIP, 1).bytes());
      w.fde(cie, (Bytes) cases[i][1], Bytes.of(), ops().defCfaOffset(16 + 8 * i).bytes());
    }
    // pcrel | sdata4, and indirect | pcrel | sdata4 (the pointer is read from the image)
    int pcrel =
        w.cie("zR", -8, RIP, Bytes.of().u8(0x1b), ops().defCfa(RSP, 8).offset(RIP, 1).bytes());
    long field = SECTION + w.position() + 8;
    w.fde(
        pcrel,
        Bytes.of().u32(0x1c00 - field).u32(0x10),
        Bytes.of(),
        ops().defCfaOffset(200).bytes());
    int indirect =
        w.cie("zR", -8, RIP, Bytes.of().u8(0x9b), ops().defCfa(RSP, 8).offset(RIP, 1).bytes());
    field = SECTION + w.position() + 8;
    w.fde(
        indirect,
        Bytes.of().u32(indirectCell - field).u32(0x10),
        Bytes.of(),
        ops().defCfaOffset(208).bytes());
    CfiTable table = CfiTable.ofEhFrame(X86, w.terminator().toArray(), bases);
    long[] starts = {
      0x1000, 0x1100, 0x1200, 0x1300, 0x1400, 0x1500, 0x1600, 0x1700, 0x1800, 0x1900, 0x1b00
    };
    for (int i = 0; i < starts.length; i++) {
      assertThat(CfiRule.toString(table.rule(starts[i] + 0xf)))
          .as("encoding 0x%x", cases[i][0])
          .isEqualTo("rsp+" + (16 + 8 * i) + " ra=c-8 rbp=same");
    }
    assertThat(CfiRule.toString(table.rule(0x1c00))).isEqualTo("rsp+200 ra=c-8 rbp=same");
    assertThat(CfiRule.toString(table.rule(0x1a00))).isEqualTo("rsp+208 ra=c-8 rbp=same");
    assertThat(table.statistics().skippedEntries()).isZero();
  }

  @Test
  void debugFrameVersionsAnd64BitEntries() {
    FrameSectionWriter w = FrameSectionWriter.debugFrame();
    Bytes initial = ops().defCfa(RSP, 8).offset(RIP, 1).bytes();
    int v1 = w.cie(1, "", 8, 1, -8, RIP, null, initial);
    w.fde(v1, 0x1000, 0x10, null, ops().advance(1).defCfaOffset(16).bytes());
    int v3 = w.cie(3, "", 8, 1, -8, RIP, null, initial);
    w.fde(v3, 0x1100, 0x10, null, ops().advance(1).defCfaOffset(24).bytes());
    int v4 = w.cie(4, "", 8, 1, -8, RIP, null, initial);
    w.fde(v4, 0x1200, 0x10, null, ops().advance(1).defCfaOffset(32).bytes());
    w.fde(v4, 0, 0x10, null, ops().defCfaOffset(99).bytes()); // discarded by the linker
    // 64-bit DWARF: an all-ones 32-bit length, then a 64-bit length, id and CIE pointer
    int cie64 = w.position();
    Bytes cieBody = Bytes.of().u64(-1L).u8(1).cString("").uleb(1).sleb(-8).u8(RIP).bytes(initial);
    w.raw(Bytes.of().u32(0xffffffffL).u64(cieBody.size()).bytes(cieBody));
    Bytes fdeBody =
        Bytes.of()
            .u64(cie64)
            .u64(0x1300)
            .u64(0x10)
            .bytes(ops().advance(1).defCfaOffset(40).bytes());
    w.raw(Bytes.of().u32(0xffffffffL).u64(fdeBody.size()).bytes(fdeBody));
    CfiTable table = CfiTable.ofDebugFrame(X86, w.toArray());
    assertRules(
        table,
        Map.of(
            0x1000L, "rsp+8 ra=c-8 rbp=same",
            0x1001L, "rsp+16 ra=c-8 rbp=same",
            0x1101L, "rsp+24 ra=c-8 rbp=same",
            0x1201L, "rsp+32 ra=c-8 rbp=same",
            0x1301L, "rsp+40 ra=c-8 rbp=same",
            0x0000L, "none"));
    assertThat(table.statistics().descriptions()).isEqualTo(4);
  }

  @Test
  void ehFrame64BitEntries() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = w.position();
    Bytes cieBody =
        Bytes.of()
            .u64(0)
            .u8(1)
            .cString("zR")
            .uleb(1)
            .sleb(-8)
            .u8(RIP)
            .block(Bytes.of().u8(0x03))
            .bytes(ops().defCfa(RSP, 8).offset(RIP, 1).bytes());
    w.raw(Bytes.of().u32(0xffffffffL).u64(cieBody.size()).bytes(cieBody));
    int fde = w.position();
    Bytes fdeBody =
        Bytes.of()
            .u64(fde + 12 - cie) // relative to the CIE pointer's own offset
            .u32(0x2000)
            .u32(0x10)
            .block(Bytes.of())
            .bytes(ops().advance(2).defCfaOffset(16).bytes());
    w.raw(Bytes.of().u32(0xffffffffL).u64(fdeBody.size()).bytes(fdeBody));
    assertRules(eh(w), Map.of(0x2001L, "rsp+8 ra=c-8 rbp=same", 0x2002L, "rsp+16 ra=c-8 rbp=same"));
  }

  @Test
  void damagedInstructionsMakeTheRestOfTheirRangeUnsupported() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    w.fde(
        cie,
        0xb000,
        0x10,
        Bytes.of(),
        ops().advance(2).defCfaOffset(16).advance(2).raw(0x30).bytes());
    w.fde(cie, 0xb100, 0x10, Bytes.of(), ops().advance(2).restoreState().bytes());
    w.fde(
        cie,
        0xb200,
        0x10,
        Bytes.of(),
        ops().advance(4).setLoc(Bytes.of().u32(-0x8000)).bytes()); // backwards
    w.fde(cie, 0xb300, 0x10, Bytes.of(), ops().advance(2).negateRaState().bytes()); // aarch64 only
    CfiTable table = eh(w);
    assertRules(
        table,
        Map.of(
            0xb002L, "rsp+16 ra=c-8 rbp=same",
            0xb004L, "unsupported ra=unsupported rbp=unsupported",
            0xb00fL, "unsupported ra=unsupported rbp=unsupported",
            0xb010L, "none",
            0xb101L, "rsp+8 ra=c-8 rbp=same",
            0xb102L, "unsupported ra=unsupported rbp=unsupported",
            0xb203L, "rsp+8 ra=c-8 rbp=same",
            0xb204L, "unsupported ra=unsupported rbp=unsupported",
            0xb302L, "unsupported ra=unsupported rbp=unsupported"));
    assertThat(table.statistics().damagedDescriptions()).isEqualTo(4);
  }

  @Test
  void unreadableEntriesAreSkippedAndCounted() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int good = gccCie(w);
    int unknown = w.cie("xy", -8, RIP, null, ops().defCfa(RSP, 8).bytes());
    w.fde(unknown, Bytes.of().u64(0xc000).u64(0x10), null, ops().bytes());
    int version2 = w.cie(2, "zR", 8, 1, -8, RIP, Bytes.of().u8(0x1b), ops().bytes());
    w.fde(version2, 0xc100, 0x10, Bytes.of(), ops().bytes());
    w.fde(good, 0xc200, 0x10, Bytes.of(), ops().advance(1).defCfaOffset(16).bytes());
    // an FDE whose CIE pointer leads before the section
    w.raw(Bytes.of().u32(12).u32(w.position() + 1000).u32(0).u32(0x10));
    w.fde(good, 0xc300, 0x10, Bytes.of(), ops().bytes());
    w.terminator();
    w.fde(good, 0xc400, 0x10, Bytes.of(), ops().bytes()); // after the terminator: not read
    CfiTable table = CfiTable.ofEhFrame(X86, w.toArray(), SECTION);
    assertRules(
        table,
        Map.of(
            0xc000L, "none",
            0xc100L, "none",
            0xc201L, "rsp+16 ra=c-8 rbp=same",
            0xc300L, "rsp+8 ra=c-8 rbp=same",
            0xc400L, "none"));
    // the two CIEs that cannot be read, their two FDEs and the FDE without a CIE
    assertThat(table.statistics().skippedEntries()).isEqualTo(5);
  }

  @Test
  void aTruncatedEntryEndsTheWalkAndKeepsWhatCameBefore() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    w.fde(cie, 0xd000, 0x10, Bytes.of(), ops().advance(1).defCfaOffset(16).bytes());
    byte[] whole = w.toArray();
    w.fde(cie, 0xd100, 0x10, Bytes.of(), ops().advance(1).defCfaOffset(16).bytes());
    byte[] cut = java.util.Arrays.copyOf(w.toArray(), whole.length + 10);
    CfiTable table = CfiTable.ofEhFrame(X86, cut, SECTION);
    assertRules(table, Map.of(0xd001L, "rsp+16 ra=c-8 rbp=same", 0xd100L, "none"));
    assertThat(table.statistics().skippedEntries()).isEqualTo(1);
  }

  @Test
  void offsetsTheTablesCannotHoldAreUnsupported() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int cie = gccCie(w);
    w.fde(
        cie,
        0xe000,
        0x10,
        Bytes.of(),
        ops()
            .offsetExtendedSf(RBP, 0) // c+0: fine
            .advance(1)
            .offsetExtended(RBP, 513) // 4104 bytes below the CFA: beyond the packed range
            .advance(1)
            .defCfaOffset(1L << 32) // beyond ±2 GiB
            .advance(1)
            .defCfaOffset(0x10000) // a 64 KiB frame is fine
            .bytes());
    int byFour =
        w.cie("zR", -4, RIP, Bytes.of().u8(0x1b), ops().defCfa(RSP, 8).offset(RIP, 2).bytes());
    w.fde(byFour, 0xe100, 0x10, Bytes.of(), ops().offset(RBP, 3).bytes()); // c-12: not 8-aligned
    assertRules(
        eh(w),
        Map.of(
            0xe000L, "rsp+8 ra=c-8 rbp=c+0",
            0xe001L, "rsp+8 ra=c-8 rbp=unsupported",
            0xe002L, "unsupported ra=c-8 rbp=unsupported",
            0xe003L, "rsp+65536 ra=c-8 rbp=unsupported",
            0xe100L, "rsp+8 ra=c-8 rbp=unsupported"));
  }

  @Test
  void aarch64FramePointerReturnRegisterAndSigning() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    int x29 = 29;
    int x30 = 30;
    int sp = 31;
    int cie = w.cie(3, "zR", 8, 4, -8, x30, Bytes.of().u8(0x1b), ops().defCfa(sp, 0).bytes());
    w.fde(
        cie,
        0x2000,
        0x40,
        Bytes.of(),
        ops()
            .negateRaState() // paciasp
            .advance(1) // stp x29, x30, [sp, #-16]!
            .defCfaOffset(16)
            .offset(x29, 2)
            .offset(x30, 1)
            .advance(1) // mov x29, sp
            .defCfa(x29, 16)
            .advance(4)
            .rememberState()
            .defCfa(sp, 0)
            .restore(x29)
            .restore(x30)
            .negateRaState() // autiasp
            .advance(1) // ret
            .restoreState()
            .bytes());
    CfiTable table = CfiTable.ofEhFrame(CfiArchitecture.AARCH64, w.terminator().toArray(), SECTION);
    // the rules print with x86-64 names: rsp = sp, rbp = x29
    assertRules(
        table,
        Map.of(
            0x2000L, "rsp+0 ra=same(signed) rbp=same",
            0x2004L, "rsp+16 ra=c-8(signed) rbp=c-16",
            0x2008L, "rbp+16 ra=c-8(signed) rbp=c-16",
            0x2018L, "rsp+0 ra=same rbp=same",
            0x201cL, "rbp+16 ra=c-8(signed) rbp=c-16"));
    assertThat(table.architecture()).isEqualTo(CfiArchitecture.AARCH64);
  }

  @Test
  void lookupsOutsideEveryDescriptionFindNothing() {
    FrameSectionWriter w = FrameSectionWriter.ehFrame(SECTION);
    gccCie(w);
    CfiTable empty = eh(w);
    assertThat(empty.isEmpty()).isTrue();
    assertThat(empty.rule(0x1000)).isEqualTo(CfiRule.NONE);
    FrameSectionWriter one = FrameSectionWriter.ehFrame(SECTION);
    one.fde(gccCie(one), 0x1000, 0x10, Bytes.of(), ops().bytes());
    CfiTable table = eh(one);
    for (long address : new long[] {0, 0xfff, 0x1010, -1L, Long.MIN_VALUE, 0x1000 + (1L << 32)}) {
      assertThat(table.rule(address)).as("0x%x", address).isEqualTo(CfiRule.NONE);
    }
    assertThat(table.memoryBytes()).isPositive();
  }
}
