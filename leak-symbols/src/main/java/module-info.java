/**
 * Symbol resolution: ELF (Linux, pure Java) and dbghelp (Windows, JNA).
 *
 * <p>{@code io.leakdetector.symbols.elf} is a pure-Java ELF64 reader (also used by the uprobes
 * source to find the allocator's file offsets); {@code io.leakdetector.symbols.linux} reads {@code
 * /proc/PID/maps} and resolves a Linux process's addresses ({@code elf} resolver).
 */
module io.leakdetector.symbols {
  requires io.leakdetector.api;
  requires com.sun.jna;
  requires com.sun.jna.platform;

  exports io.leakdetector.symbols.elf;
  exports io.leakdetector.symbols.linux;

  opens io.leakdetector.symbols.windows to
      com.sun.jna;

  provides io.leakdetector.spi.SymbolResolverProvider with
      io.leakdetector.symbols.linux.ElfSymbolResolverProvider,
      io.leakdetector.symbols.windows.DbgHelpSymbolResolverProvider;
}
