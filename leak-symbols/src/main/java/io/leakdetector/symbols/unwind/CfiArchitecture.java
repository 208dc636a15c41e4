package io.leakdetector.symbols.unwind;

import io.leakdetector.symbols.elf.ElfFile;

/**
 * The DWARF register numbers the CFI compiler needs: the stack pointer (the CFA is the caller's
 * stack pointer), the frame pointer and the usual return-address column.
 *
 * @param machine the ELF {@code e_machine}
 * @param spColumn rsp (7) or sp (31)
 * @param fpColumn rbp (6) or x29 (29)
 * @param raColumn rip (16) or x30 (30); each CIE names its own, this is the default
 */
public record CfiArchitecture(int machine, int spColumn, int fpColumn, int raColumn) {
  public static final CfiArchitecture X86_64 = new CfiArchitecture(ElfFile.EM_X86_64, 7, 6, 16);
  public static final CfiArchitecture AARCH64 = new CfiArchitecture(ElfFile.EM_AARCH64, 31, 29, 30);

  /** The architecture of ELF {@code e_machine}, or {@code null} when it is neither of ours. */
  public static CfiArchitecture of(int machine) {
    return switch (machine) {
      case ElfFile.EM_X86_64 -> X86_64;
      case ElfFile.EM_AARCH64 -> AARCH64;
      default -> null;
    };
  }

  public boolean isX86() {
    return machine == ElfFile.EM_X86_64;
  }
}
