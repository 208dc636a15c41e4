/**
 * Symbol resolution: ELF (Linux, pure Java) and dbghelp (Windows, JNA).
 *
 * <p>{@code io.leakdetector.symbols.elf} is a pure-Java ELF64 reader (also used by the uprobes
 * source to find the allocator's file offsets); {@code io.leakdetector.symbols.linux} reads {@code
 * /proc/PID/maps} and resolves a Linux process's addresses ({@code elf} resolver); {@code
 * io.leakdetector.symbols.unwind} compiles call frame information and unwinds captured user stacks.
 */
// "module": the qualified exports name io.leakdetector.uprobes, which is built after this module.
@SuppressWarnings("module")
module io.leakdetector.symbols {
  requires io.leakdetector.api;
  requires com.sun.jna;
  requires com.sun.jna.platform;
  requires org.tukaani.xz; // .gnu_debugdata (MiniDebugInfo) is xz-compressed
  requires java.net.http; // debuginfod

  // Only leak-uprobes reads these besides this module: ELF files (elf) and /proc/PID/maps
  // (linux.ProcMaps, which is to replace leak-uprobes' own parser). Resolvers are found as
  // services, never by their classes.
  exports io.leakdetector.symbols.elf to
      io.leakdetector.uprobes;
  exports io.leakdetector.symbols.linux to
      io.leakdetector.uprobes;
  // The CFI compiler and the stack unwinder, used by the uprobes source's reader.
  exports io.leakdetector.symbols.unwind to
      io.leakdetector.uprobes;
  // HotSpot's frames, read from a JVM's memory: the uprobes source's unwinder asks it.
  exports io.leakdetector.symbols.hotspot to
      io.leakdetector.uprobes;

  opens io.leakdetector.symbols.windows to
      com.sun.jna;
  // SectionCompression binds libzstd through a JNA interface.
  opens io.leakdetector.symbols.elf to
      com.sun.jna;

  provides io.leakdetector.spi.SymbolResolverProvider with
      io.leakdetector.symbols.linux.ElfSymbolResolverProvider,
      io.leakdetector.symbols.windows.DbgHelpSymbolResolverProvider;
}
