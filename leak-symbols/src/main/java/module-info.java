/**
 * Symbol resolution: ELF (Linux, pure Java) and dbghelp (Windows, JNA).
 *
 * <p>{@code io.leakdetector.symbols.elf} is a pure-Java ELF64 reader (also used by the uprobes
 * source to find the allocator's file offsets).
 */
module io.leakdetector.symbols {
  requires io.leakdetector.api;
  requires com.sun.jna;

  exports io.leakdetector.symbols.elf;
}
