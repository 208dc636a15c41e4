package io.leakdetector.symbols.dwarf;

import static io.leakdetector.symbols.dwarf.DwarfConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.dwarf.Tools.ToolFrame;
import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.elf.ElfSymbol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DWARF 5 built byte by byte with the indexed forms gcc does not emit but clang does ({@code
 * DW_FORM_strx1/2/4/strx}, {@code DW_FORM_addrx/addrx1}, {@code DW_FORM_rnglistx} with {@code
 * DW_RLE_startx_length}, {@code base_addressx} and {@code offset_pair}, the bases given after the
 * attributes that need them), a line table with {@code line_strp} directories, inline-string file
 * names with MD5 sums, a discriminator, and an inlined call in a lexical block. Put onto a stripped
 * fixture's code, it must read as built — and as eu-addr2line reads it.
 */
class DwarfFormsTest {
  private static final int DW_TAG_COMPILE_UNIT = 0x11;
  private static final int DW_TAG_LEXICAL_BLOCK = 0x0b;
  private static final int DW_AT_INLINE = 0x20;
  private static final int DW_AT_CALL_COLUMN = 0x57;
  private static final int DW_LANG_C_PLUS_PLUS_14 = 0x21;
  private static final int DW_LNCT_MD5 = 0x5;

  @TempDir static Path project;

  /** The unit found through its own DW_AT_ranges (rnglistx), without .debug_aranges. */
  static Path binary;

  /** The same with a .debug_aranges, which eu-addr2line needs to find the unit. */
  static Path withAranges;

  static long start;
  static long size;

  @BeforeAll
  static void build() throws Exception {
    Path fixture = Fixtures.build(project, Fixtures.C, "c", "-gdwarf-5");
    try (ElfFile elf = ElfFile.open(fixture)) {
      ElfSymbol fill = elf.findSymbol("fill").orElseThrow();
      start = fill.value();
      size = fill.size();
    }
    assertThat(size).as("room for the ranges below").isGreaterThanOrEqualTo(0x30);
    Path stripped = Fixtures.objcopy(fixture, project.resolve("c-stripped"), "--strip-debug");
    List<String> args = new ArrayList<>();
    for (Map.Entry<String, byte[]> section : sections().entrySet()) {
      Path file = project.resolve(section.getKey().substring(1) + ".bin");
      Files.write(file, section.getValue());
      args.add("--add-section");
      args.add(section.getKey() + "=" + file);
    }
    binary = Fixtures.objcopy(stripped, project.resolve("synthetic"), args.toArray(String[]::new));
    Path aranges = project.resolve("aranges.bin");
    Files.write(aranges, aranges());
    withAranges =
        Fixtures.objcopy(
            binary,
            project.resolve("synthetic-aranges"),
            "--add-section",
            ".debug_aranges=" + aranges);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void indexedFormsReadAsBuilt(boolean aranges) throws Exception {
    try (ElfFile elf = ElfFile.open(aranges ? withAranges : binary)) {
      RecordingLogger log = new RecordingLogger();
      DwarfInfo dwarf = DwarfInfo.open(elf, DwarfInfo.DEFAULT_CACHE_BYTES, log);
      SourceFrame outer10 = outer("/synthetic/synthetic.cpp", 10, 0, false);
      assertThat(dwarf.lookup(start + 4)).containsExactly(outer10);
      assertThat(dwarf.lookup(start + 0x14))
          .containsExactly(
              new SourceFrame("_Z5innerv", "inner", "/synthetic/include/inner.h", 3, 0, true),
              outer("/synthetic/synthetic.cpp", 77, 0, false));
      assertThat(dwarf.lookup(start + 0x1c))
          .containsExactly(outer("/synthetic/synthetic.cpp", 20, 4, false));
      assertThat(dwarf.lookup(start + 0x24))
          .containsExactly(
              new SourceFrame("_Z5innerv", "inner", "/synthetic/include/inner.h", 4, 0, true),
              outer("/synthetic/synthetic.cpp", 77, 0, false));
      assertThat(dwarf.lookup(start + 0x2c))
          .containsExactly(outer("/synthetic/synthetic.cpp", 30, 0, false));
      assertThat(dwarf.lookup(start + size)).as("past the unit's range").isEmpty();
      assertThat(log.lines).isEmpty();
    }
  }

  @Test
  void elfutilsReadsItAlike() throws Exception {
    long[] addresses = {start + 4, start + 0x14, start + 0x1c, start + 0x24, start + 0x2c};
    Map<Long, List<ToolFrame>> elfutils = Tools.elfutilsAddr2Line(withAranges, addresses);
    Map<String, String> demangled = Tools.demangle(List.of("_Z5outeri", "_Z5innerv"));
    try (ElfFile elf = ElfFile.open(withAranges)) {
      DwarfInfo dwarf = DwarfInfo.open(elf);
      for (long address : addresses) {
        List<ToolFrame> ours = new ArrayList<>();
        for (SourceFrame f : dwarf.lookup(address)) {
          ours.add(new ToolFrame(demangled.get(f.rawName()), f.file(), f.line(), 0));
        }
        assertThat(ours).as("0x%x", address).isEqualTo(elfutils.get(address));
      }
    }
  }

  private static SourceFrame outer(String file, int line, int discriminator, boolean inlined) {
    return new SourceFrame("_Z5outeri", "outer", file, line, discriminator, inlined);
  }

  /** The sections of one DWARF 5 unit describing [start, start + size). */
  private static Map<String, byte[]> sections() {
    String[] strings = {"synthetic.cpp", "/synthetic", "inner", "_Z5innerv", "_Z5outeri", "outer"};
    Bytes str = new Bytes();
    Bytes offsets = new Bytes().u16(5).u16(0);
    for (String s : strings) {
      offsets.u32(str.size());
      str.string(s);
    }
    Bytes addr = new Bytes().u16(5).u8(8).u8(0).u64(start).u64(start + 0x10);
    // Two lists: the unit's [start, start + size), the inlined call's two pieces.
    Bytes list0 = new Bytes().u8(DW_RLE_STARTX_LENGTH).uleb(0).uleb(size).u8(DW_RLE_END_OF_LIST);
    Bytes list1 =
        new Bytes()
            .u8(DW_RLE_BASE_ADDRESSX)
            .uleb(1)
            .u8(DW_RLE_OFFSET_PAIR)
            .uleb(0)
            .uleb(8)
            .u8(DW_RLE_OFFSET_PAIR)
            .uleb(0x10)
            .uleb(0x18)
            .u8(DW_RLE_END_OF_LIST);
    Bytes rnglists =
        new Bytes()
            .u16(5)
            .u8(8)
            .u8(0)
            .u32(2)
            .u32(8)
            .u32(8 + list0.size())
            .bytes(list0)
            .bytes(list1);

    Bytes abbrev = new Bytes();
    abbrev.uleb(1).uleb(DW_TAG_COMPILE_UNIT).u8(1);
    attributes(
        abbrev,
        DW_AT_LANGUAGE,
        DW_FORM_DATA1,
        DW_AT_NAME,
        DW_FORM_STRX1,
        DW_AT_COMP_DIR,
        DW_FORM_STRX1,
        DW_AT_LOW_PC,
        DW_FORM_ADDRX1,
        DW_AT_RANGES,
        DW_FORM_RNGLISTX,
        DW_AT_STMT_LIST,
        DW_FORM_SEC_OFFSET,
        DW_AT_STR_OFFSETS_BASE,
        DW_FORM_SEC_OFFSET,
        DW_AT_ADDR_BASE,
        DW_FORM_SEC_OFFSET,
        DW_AT_RNGLISTS_BASE,
        DW_FORM_SEC_OFFSET);
    abbrev.uleb(2).uleb(DW_TAG_SUBPROGRAM).u8(0);
    attributes(
        abbrev,
        DW_AT_NAME,
        DW_FORM_STRX2,
        DW_AT_LINKAGE_NAME,
        DW_FORM_STRX,
        DW_AT_INLINE,
        DW_FORM_DATA1);
    abbrev.uleb(3).uleb(DW_TAG_SUBPROGRAM).u8(1);
    attributes(
        abbrev,
        DW_AT_LINKAGE_NAME,
        DW_FORM_STRX4,
        DW_AT_NAME,
        DW_FORM_STRX1,
        DW_AT_LOW_PC,
        DW_FORM_ADDRX,
        DW_AT_HIGH_PC,
        DW_FORM_DATA4);
    abbrev.uleb(4).uleb(DW_TAG_LEXICAL_BLOCK).u8(1);
    attributes(abbrev, DW_AT_LOW_PC, DW_FORM_ADDRX1, DW_AT_HIGH_PC, DW_FORM_DATA1);
    abbrev.uleb(5).uleb(DW_TAG_INLINED_SUBROUTINE).u8(0);
    abbrev
        .uleb(DW_AT_ABSTRACT_ORIGIN)
        .uleb(DW_FORM_REF4)
        .uleb(DW_AT_RANGES)
        .uleb(DW_FORM_RNGLISTX)
        .uleb(DW_AT_CALL_FILE)
        .uleb(DW_FORM_DATA1)
        .uleb(DW_AT_CALL_LINE)
        .uleb(DW_FORM_UDATA)
        .uleb(DW_AT_CALL_COLUMN)
        .uleb(DW_FORM_IMPLICIT_CONST)
        .sleb(5)
        .uleb(0)
        .uleb(0);
    abbrev.u8(0);

    int header = 4 + 2 + 1 + 1 + 4; // length, version, unit type, address size, abbrev offset
    Bytes dies = new Bytes();
    dies.uleb(1).u8(DW_LANG_C_PLUS_PLUS_14).u8(0).u8(1).u8(0).uleb(0).u32(0).u32(8).u32(8).u32(12);
    int abstractOffset = header + dies.size();
    dies.uleb(2).u16(2).uleb(3).u8(3);
    dies.uleb(3).u32(4).u8(5).uleb(0).u32(size);
    dies.uleb(4).u8(0).u8(0x30);
    dies.uleb(5).u32(abstractOffset).uleb(1).u8(1).uleb(77);
    dies.u8(0); // end of the lexical block
    dies.u8(0); // end of outer
    dies.u8(0); // end of the unit
    Bytes info = Bytes.withLength(new Bytes().u16(5).u8(DW_UT_COMPILE).u8(8).u32(0).bytes(dies));

    Bytes lineStr = new Bytes();
    int compDirOffset = lineStr.size();
    lineStr.string("/synthetic");
    int includeOffset = lineStr.size();
    lineStr.string("include");
    byte[] md5 = new byte[16];
    Bytes tables = new Bytes();
    tables.u8(1).uleb(DW_LNCT_PATH).uleb(DW_FORM_LINE_STRP);
    tables.uleb(2).u32(compDirOffset).u32(includeOffset);
    tables.u8(3).uleb(DW_LNCT_PATH).uleb(DW_FORM_STRING);
    tables.uleb(DW_LNCT_DIRECTORY_INDEX).uleb(DW_FORM_UDATA);
    tables.uleb(DW_LNCT_MD5).uleb(DW_FORM_DATA16);
    tables.uleb(3);
    tables.string("synthetic.cpp").uleb(0).bytes(md5);
    tables.string("synthetic.cpp").uleb(0).bytes(md5);
    tables.string("inner.h").uleb(1).bytes(md5);
    Bytes parameters = new Bytes().u8(1).u8(1).u8(1).u8(-5 & 0xff).u8(14).u8(13);
    for (int length : new int[] {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1}) {
      parameters.u8(length);
    }
    parameters.bytes(tables);
    Bytes program = new Bytes();
    program.u8(0).uleb(9).u8(DW_LNE_SET_ADDRESS).u64(start);
    program.u8(DW_LNS_ADVANCE_LINE).sleb(9).u8(DW_LNS_COPY); // start: synthetic.cpp:10
    program.u8(DW_LNS_ADVANCE_PC).uleb(0x10).u8(DW_LNS_SET_FILE).uleb(2);
    program.u8(DW_LNS_ADVANCE_LINE).sleb(-7).u8(DW_LNS_COPY); // +0x10: inner.h:3
    program.u8(DW_LNS_ADVANCE_PC).uleb(8).u8(DW_LNS_SET_FILE).uleb(1);
    program.u8(DW_LNS_ADVANCE_LINE).sleb(17);
    program.u8(0).uleb(2).u8(DW_LNE_SET_DISCRIMINATOR).uleb(4);
    program.u8(DW_LNS_COPY); // +0x18: synthetic.cpp:20, discriminator 4
    program.u8(DW_LNS_ADVANCE_PC).uleb(8).u8(DW_LNS_SET_FILE).uleb(2);
    program.u8(DW_LNS_ADVANCE_LINE).sleb(-16).u8(DW_LNS_COPY); // +0x20: inner.h:4
    program.u8(DW_LNS_ADVANCE_PC).uleb(8).u8(DW_LNS_SET_FILE).uleb(1);
    program.u8(DW_LNS_ADVANCE_LINE).sleb(26).u8(DW_LNS_COPY); // +0x28: synthetic.cpp:30
    program.u8(DW_LNS_ADVANCE_PC).uleb(size - 0x28).u8(0).uleb(1).u8(DW_LNE_END_SEQUENCE);
    Bytes line =
        Bytes.withLength(
            new Bytes().u16(5).u8(8).u8(0).u32(parameters.size()).bytes(parameters).bytes(program));

    return Map.of(
        ".debug_info", info.toArray(),
        ".debug_abbrev", abbrev.toArray(),
        ".debug_str", str.toArray(),
        ".debug_str_offsets", Bytes.withLength(offsets).toArray(),
        ".debug_addr", Bytes.withLength(addr).toArray(),
        ".debug_rnglists", Bytes.withLength(rnglists).toArray(),
        ".debug_line", line.toArray(),
        ".debug_line_str", lineStr.toArray());
  }

  /** One .debug_aranges set: the unit at offset 0 holds [start, start + size). */
  private static byte[] aranges() {
    Bytes set = new Bytes().u16(2).u32(0).u8(8).u8(0).u32(0); // padded to a 16-byte tuple
    set.u64(start).u64(size).u64(0).u64(0);
    return Bytes.withLength(set).toArray();
  }

  private static void attributes(Bytes abbrev, int... pairs) {
    for (int value : pairs) {
      abbrev.uleb(value);
    }
    abbrev.uleb(0).uleb(0);
  }
}
