package io.leakdetector.symbols.elf;

/**
 * One section header of an ELF file.
 *
 * @param index its index in the section header table
 * @param name its name ({@code .text}, {@code .symtab})
 * @param type {@code SHT_*}
 * @param flags {@code SHF_*}
 * @param address its virtual address, 0 when not loaded
 * @param offset where its bytes start in the file
 * @param size its size in bytes (no bytes in the file when {@code type} is {@link #SHT_NOBITS})
 * @param link the index of an associated section (a symbol table's string table)
 * @param info extra information (a symbol table's first global symbol)
 * @param entrySize the size of one entry for tables, else 0
 */
public record ElfSection(
    int index,
    String name,
    int type,
    long flags,
    long address,
    long offset,
    long size,
    int link,
    int info,
    long entrySize) {

  public static final int SHT_PROGBITS = 1;
  public static final int SHT_SYMTAB = 2;
  public static final int SHT_STRTAB = 3;
  public static final int SHT_NOTE = 7;
  public static final int SHT_NOBITS = 8;
  public static final int SHT_DYNAMIC = 6;
  public static final int SHT_DYNSYM = 11;
  public static final int SHT_GNU_VERDEF = 0x6ffffffd;
  public static final int SHT_GNU_VERNEED = 0x6ffffffe;
  public static final int SHT_GNU_VERSYM = 0x6fffffff;

  /** Whether the section has bytes in the file. */
  public boolean hasFileBytes() {
    return type != SHT_NOBITS && type != 0 && size > 0;
  }
}
