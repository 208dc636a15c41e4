package io.leakdetector.symbols.dwarf;

/** The DWARF numbers this reader needs (DWARF 5, section 7, plus the GNU forms it must skip). */
final class DwarfConstants {
  private DwarfConstants() {}

  // Unit types (DWARF 5).
  static final int DW_UT_COMPILE = 0x01;
  static final int DW_UT_TYPE = 0x02;
  static final int DW_UT_PARTIAL = 0x03;
  static final int DW_UT_SKELETON = 0x04;
  static final int DW_UT_SPLIT_COMPILE = 0x05;
  static final int DW_UT_SPLIT_TYPE = 0x06;

  // Tags.
  static final int DW_TAG_ENTRY_POINT = 0x03;
  static final int DW_TAG_INLINED_SUBROUTINE = 0x1d;
  static final int DW_TAG_SUBPROGRAM = 0x2e;

  // Attributes.
  static final int DW_AT_NAME = 0x03;
  static final int DW_AT_STMT_LIST = 0x10;
  static final int DW_AT_LOW_PC = 0x11;
  static final int DW_AT_HIGH_PC = 0x12;
  static final int DW_AT_LANGUAGE = 0x13;
  static final int DW_AT_COMP_DIR = 0x1b;
  static final int DW_AT_ABSTRACT_ORIGIN = 0x31;
  static final int DW_AT_SPECIFICATION = 0x47;
  static final int DW_AT_RANGES = 0x55;
  static final int DW_AT_CALL_FILE = 0x58;
  static final int DW_AT_CALL_LINE = 0x59;
  static final int DW_AT_LINKAGE_NAME = 0x6e;
  static final int DW_AT_STR_OFFSETS_BASE = 0x72;
  static final int DW_AT_ADDR_BASE = 0x73;
  static final int DW_AT_RNGLISTS_BASE = 0x74;
  static final int DW_AT_MIPS_LINKAGE_NAME = 0x2007;

  // Forms.
  static final int DW_FORM_ADDR = 0x01;
  static final int DW_FORM_BLOCK2 = 0x03;
  static final int DW_FORM_BLOCK4 = 0x04;
  static final int DW_FORM_DATA2 = 0x05;
  static final int DW_FORM_DATA4 = 0x06;
  static final int DW_FORM_DATA8 = 0x07;
  static final int DW_FORM_STRING = 0x08;
  static final int DW_FORM_BLOCK = 0x09;
  static final int DW_FORM_BLOCK1 = 0x0a;
  static final int DW_FORM_DATA1 = 0x0b;
  static final int DW_FORM_FLAG = 0x0c;
  static final int DW_FORM_SDATA = 0x0d;
  static final int DW_FORM_STRP = 0x0e;
  static final int DW_FORM_UDATA = 0x0f;
  static final int DW_FORM_REF_ADDR = 0x10;
  static final int DW_FORM_REF1 = 0x11;
  static final int DW_FORM_REF2 = 0x12;
  static final int DW_FORM_REF4 = 0x13;
  static final int DW_FORM_REF8 = 0x14;
  static final int DW_FORM_REF_UDATA = 0x15;
  static final int DW_FORM_INDIRECT = 0x16;
  static final int DW_FORM_SEC_OFFSET = 0x17;
  static final int DW_FORM_EXPRLOC = 0x18;
  static final int DW_FORM_FLAG_PRESENT = 0x19;
  static final int DW_FORM_STRX = 0x1a;
  static final int DW_FORM_ADDRX = 0x1b;
  static final int DW_FORM_REF_SUP4 = 0x1c;
  static final int DW_FORM_STRP_SUP = 0x1d;
  static final int DW_FORM_DATA16 = 0x1e;
  static final int DW_FORM_LINE_STRP = 0x1f;
  static final int DW_FORM_REF_SIG8 = 0x20;
  static final int DW_FORM_IMPLICIT_CONST = 0x21;
  static final int DW_FORM_LOCLISTX = 0x22;
  static final int DW_FORM_RNGLISTX = 0x23;
  static final int DW_FORM_REF_SUP8 = 0x24;
  static final int DW_FORM_STRX1 = 0x25;
  static final int DW_FORM_STRX2 = 0x26;
  static final int DW_FORM_STRX3 = 0x27;
  static final int DW_FORM_STRX4 = 0x28;
  static final int DW_FORM_ADDRX1 = 0x29;
  static final int DW_FORM_ADDRX2 = 0x2a;
  static final int DW_FORM_ADDRX3 = 0x2b;
  static final int DW_FORM_ADDRX4 = 0x2c;
  static final int DW_FORM_GNU_ADDR_INDEX = 0x1f01;
  static final int DW_FORM_GNU_STR_INDEX = 0x1f02;
  static final int DW_FORM_GNU_REF_ALT = 0x1f20;
  static final int DW_FORM_GNU_STRP_ALT = 0x1f21;

  // Languages whose function names are never mangled (binutils' list, plus C17).
  static final int DW_LANG_C89 = 0x01;
  static final int DW_LANG_C = 0x02;
  static final int DW_LANG_COBOL74 = 0x05;
  static final int DW_LANG_COBOL85 = 0x06;
  static final int DW_LANG_FORTRAN77 = 0x07;
  static final int DW_LANG_PASCAL83 = 0x09;
  static final int DW_LANG_C99 = 0x0c;
  static final int DW_LANG_PLI = 0x0f;
  static final int DW_LANG_UPC = 0x12;
  static final int DW_LANG_C11 = 0x1d;
  static final int DW_LANG_C17 = 0x2c;
  static final int DW_LANG_MIPS_ASSEMBLER = 0x8001;

  // Line number program: standard opcodes.
  static final int DW_LNS_COPY = 0x01;
  static final int DW_LNS_ADVANCE_PC = 0x02;
  static final int DW_LNS_ADVANCE_LINE = 0x03;
  static final int DW_LNS_SET_FILE = 0x04;
  static final int DW_LNS_SET_COLUMN = 0x05;
  static final int DW_LNS_NEGATE_STMT = 0x06;
  static final int DW_LNS_SET_BASIC_BLOCK = 0x07;
  static final int DW_LNS_CONST_ADD_PC = 0x08;
  static final int DW_LNS_FIXED_ADVANCE_PC = 0x09;

  // Line number program: extended opcodes.
  static final int DW_LNE_END_SEQUENCE = 0x01;
  static final int DW_LNE_SET_ADDRESS = 0x02;
  static final int DW_LNE_DEFINE_FILE = 0x03;
  static final int DW_LNE_SET_DISCRIMINATOR = 0x04;

  // Line table header entry content types (DWARF 5).
  static final int DW_LNCT_PATH = 0x1;
  static final int DW_LNCT_DIRECTORY_INDEX = 0x2;

  // Range list entries (DWARF 5).
  static final int DW_RLE_END_OF_LIST = 0x00;
  static final int DW_RLE_BASE_ADDRESSX = 0x01;
  static final int DW_RLE_STARTX_ENDX = 0x02;
  static final int DW_RLE_STARTX_LENGTH = 0x03;
  static final int DW_RLE_OFFSET_PAIR = 0x04;
  static final int DW_RLE_BASE_ADDRESS = 0x05;
  static final int DW_RLE_START_END = 0x06;
  static final int DW_RLE_START_LENGTH = 0x07;
}
