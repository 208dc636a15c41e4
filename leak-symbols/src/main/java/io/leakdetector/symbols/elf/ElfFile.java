package io.leakdetector.symbols.elf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A 64-bit little-endian ELF file (x86-64, aarch64) read in pure Java: headers, program headers,
 * sections, the {@code .symtab} and {@code .dynsym} symbol tables with their GNU symbol versions,
 * the build id, the {@code .gnu_debuglink} and the dynamic section's {@code DT_NEEDED}.
 *
 * <p>Headers are read when the file is opened; symbols on first use. Bytes are read with positional
 * reads into the Java heap (no memory mapping), so a file that is truncated or replaced while open
 * gives an {@link IOException}, never a crash. Reads after {@link #close()} fail; values already
 * read stay available.
 */
public final class ElfFile implements AutoCloseable {

  public static final int ET_REL = 1;
  public static final int ET_EXEC = 2;
  public static final int ET_DYN = 3;
  public static final int ET_CORE = 4;

  public static final int EM_X86_64 = 62;
  public static final int EM_AARCH64 = 183;

  private static final int SHN_XINDEX = 0xffff;
  private static final int PN_XNUM = 0xffff;

  private final Path path;
  private final ElfInput in;
  private final int type;
  private final int machine;
  private final long entry;
  private final List<ElfSegment> segments;
  private final List<ElfSection> sections;

  private List<ElfSymbol> symbols;
  private Map<String, List<ElfSymbol>> symbolsByName;
  private Optional<String> buildId;
  private ElfDynamic dynamic;

  private ElfFile(Path path, ElfInput in) throws IOException {
    this.path = path;
    this.in = in;
    if (in.fileSize() < 16 || in.read(0, 4, "ELF magic").getInt(0) != 0x464c457f) {
      throw new IOException(path + " is not an ELF file");
    }
    ByteBuffer header = in.read(0, 64, "ELF header");
    int elfClass = header.get(4);
    int data = header.get(5);
    if (elfClass != 2) {
      throw new IOException(
          path
              + " is a "
              + (elfClass == 1 ? "32-bit" : "unknown-class")
              + " ELF file; only 64-bit ELF is supported");
    }
    if (data != 1) {
      throw new IOException(
          path
              + " is a "
              + (data == 2 ? "big-endian" : "unknown-endian")
              + " ELF file; only little-endian ELF is supported");
    }
    this.type = Short.toUnsignedInt(header.getShort(16));
    this.machine = Short.toUnsignedInt(header.getShort(18));
    this.entry = header.getLong(24);
    long phoff = header.getLong(32);
    long shoff = header.getLong(40);
    int phentsize = Short.toUnsignedInt(header.getShort(54));
    int phnum = Short.toUnsignedInt(header.getShort(56));
    int shentsize = Short.toUnsignedInt(header.getShort(58));
    int shnum = Short.toUnsignedInt(header.getShort(60));
    int shstrndx = Short.toUnsignedInt(header.getShort(62));

    // Extended numbering keeps the real counts in section header 0.
    if (shoff != 0 && (shnum == 0 || shstrndx == SHN_XINDEX || phnum == PN_XNUM)) {
      ByteBuffer first = in.read(shoff, 64, "section header 0");
      if (shnum == 0) {
        shnum = in.checkedCount(first.getLong(32), "section count");
      }
      if (shstrndx == SHN_XINDEX) {
        shstrndx = first.getInt(40);
      }
      if (phnum == PN_XNUM) {
        phnum = first.getInt(44);
      }
    }
    this.segments = readSegments(phoff, phentsize, phnum);
    this.sections = shoff == 0 ? List.of() : readSections(shoff, shentsize, shnum, shstrndx);
  }

  /**
   * Opens an ELF file and reads its headers.
   *
   * @throws IOException when the file cannot be read, is not ELF, is not 64-bit little-endian, or
   *     its headers are truncated or corrupt
   */
  public static ElfFile open(Path path) throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new ElfFile(path, new ElfInput(path, channel));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Reads an ELF file held in memory, such as the one compressed into {@code .gnu_debugdata}.
   *
   * @param origin names the image in messages and {@link #path()}; it need not exist
   * @throws IOException when the bytes are not a 64-bit little-endian ELF file or are corrupt
   */
  public static ElfFile open(Path origin, byte[] image) throws IOException {
    return new ElfFile(origin, new ElfInput(origin, ByteBuffer.wrap(image)));
  }

  /** The file's path, or for an image in memory the name it was opened with. */
  public Path path() {
    return path;
  }

  /** The file's size in bytes when it was opened. */
  public long fileSize() {
    return in.fileSize();
  }

  /** {@link #ET_EXEC}, {@link #ET_DYN}, {@link #ET_REL} or {@link #ET_CORE}. */
  public int type() {
    return type;
  }

  /** {@code e_machine}: {@link #EM_X86_64}, {@link #EM_AARCH64}, … */
  public int machine() {
    return machine;
  }

  public long entry() {
    return entry;
  }

  /**
   * Whether the file is position independent ({@code ET_DYN}): a shared object or a PIE executable,
   * loaded at an address chosen at run time.
   */
  public boolean isSharedObject() {
    return type == ET_DYN;
  }

  /** Whether the file names a program interpreter ({@code PT_INTERP}); a static binary has none. */
  public boolean hasInterpreter() {
    return segments.stream().anyMatch(s -> s.type() == ElfSegment.PT_INTERP);
  }

  /** The program interpreter's path ({@code /lib64/ld-linux-x86-64.so.2}), if any. */
  public Optional<String> interpreter() {
    for (ElfSegment s : segments) {
      if (s.type() == ElfSegment.PT_INTERP) {
        try {
          return Optional.of(
              ElfInput.cString(in.read(s.offset(), in.checkedSize(s.fileSize()), "PT_INTERP"), 0));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return Optional.empty();
  }

  /** Every program header, in file order. */
  public List<ElfSegment> segments() {
    return segments;
  }

  /** The {@code PT_LOAD} program headers, in file order. */
  public List<ElfSegment> loadSegments() {
    return segments.stream().filter(s -> s.type() == ElfSegment.PT_LOAD).toList();
  }

  /** Every section header, in index order (empty when the file has no section headers). */
  public List<ElfSection> sections() {
    return sections;
  }

  /** The first section with this name. */
  public Optional<ElfSection> section(String name) {
    return sections.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * The lowest address of a {@code PT_LOAD} segment, rounded down to its alignment: 0 for shared
   * objects and PIE executables, the fixed base (often {@code 0x400000}) for {@code ET_EXEC}.
   */
  public long imageBase() {
    long base = -1;
    for (ElfSegment s : loadSegments()) {
      long aligned = s.align() > 1 ? s.vaddr() & -s.align() : s.vaddr();
      if (base == -1 || Long.compareUnsigned(aligned, base) < 0) {
        base = aligned;
      }
    }
    return base == -1 ? 0 : base;
  }

  /**
   * The file offset of the byte loaded at {@code vaddr} (file address space), through the {@code
   * PT_LOAD} program headers; empty when no segment holds file bytes at that address.
   */
  public OptionalLong fileOffsetOf(long vaddr) {
    for (ElfSegment s : segments) {
      if (s.type() == ElfSegment.PT_LOAD && s.containsVaddr(vaddr)) {
        return OptionalLong.of(s.offset() + (vaddr - s.vaddr()));
      }
    }
    return OptionalLong.empty();
  }

  /**
   * The address (file address space) at which the byte at {@code fileOffset} is loaded, through the
   * {@code PT_LOAD} program headers. An offset in the page-aligned slack just before or after a
   * segment's bytes (mapped with it) is translated with that segment; empty when no segment maps
   * the offset.
   */
  public OptionalLong vaddrOf(long fileOffset) {
    return ElfSegment.vaddrOf(segments, fileOffset);
  }

  /**
   * The load bias of a mapping of this file: run-time address minus file address. For a mapping
   * that starts at {@code mappingStart} with the file byte at {@code mappingFileOffset} (as in
   * {@code /proc/PID/maps}); 0 for {@code ET_EXEC}. Empty when no segment maps the offset.
   */
  public OptionalLong loadBias(long mappingStart, long mappingFileOffset) {
    OptionalLong vaddr = vaddrOf(mappingFileOffset);
    return vaddr.isPresent()
        ? OptionalLong.of(mappingStart - vaddr.getAsLong())
        : OptionalLong.empty();
  }

  /**
   * Reads {@code length} bytes at {@code fileOffset}.
   *
   * @throws IOException when the range lies outside the file or reading fails
   */
  public byte[] readAt(long fileOffset, int length) throws IOException {
    ByteBuffer buffer = in.read(fileOffset, length, "bytes");
    byte[] bytes = new byte[length];
    buffer.get(0, bytes);
    return bytes;
  }

  /**
   * The bytes of a section as a reader of its format sees them: decompressed when the section is
   * compressed ({@code SHF_COMPRESSED} with zlib or zstd, or a GNU {@code .zdebug_*} section);
   * empty for a section without file bytes.
   *
   * @throws IOException when the bytes cannot be read or decompressed (one sentence naming the file
   *     and section)
   */
  public ByteBuffer sectionData(ElfSection section) throws IOException {
    ByteBuffer raw = in.readSection(section);
    return SectionCompression.isCompressed(section) && raw.limit() > 0
        ? SectionCompression.decompress(section, raw, path.toString())
        : raw;
  }

  /** Whether the file has a {@code .symtab} with at least one entry besides the null one. */
  public boolean hasSymbolTable() {
    return sections.stream()
        .anyMatch(
            s ->
                s.type() == ElfSection.SHT_SYMTAB
                    && s.hasFileBytes()
                    && s.entrySize() > 0
                    && s.size() / s.entrySize() > 1);
  }

  /**
   * The defined symbols of {@code .dynsym} and {@code .symtab}, each once: a symbol in both tables
   * is kept with its {@code .dynsym} version. Undefined symbols, section and file symbols and
   * unnamed ones are left out; a {@code name@VERSION} in {@code .symtab} is split into name and
   * version.
   *
   * @throws UncheckedIOException when the tables cannot be read
   */
  public synchronized List<ElfSymbol> symbols() {
    if (symbols == null) {
      try {
        symbols = Collections.unmodifiableList(new ElfSymbolTables(in, sections).load());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return symbols;
  }

  /**
   * The defined symbol of this name. A plain name finds its default version ({@code name@@VERSION})
   * or an unversioned symbol, preferring a function; {@code name@VERSION} and {@code name@@VERSION}
   * find that exact version.
   */
  public Optional<ElfSymbol> findSymbol(String name) {
    Map<String, List<ElfSymbol>> index = nameIndex();
    int at = name.indexOf('@');
    if (at > 0) {
      String plain = name.substring(0, at);
      boolean wantDefault = name.startsWith("@@", at);
      String version = name.substring(at + (wantDefault ? 2 : 1));
      return index.getOrDefault(plain, List.of()).stream()
          .filter(s -> s.version().equals(version) && (!wantDefault || s.defaultVersion()))
          .findFirst();
    }
    ElfSymbol best = null;
    for (ElfSymbol s : index.getOrDefault(name, List.of())) {
      if (best == null || rank(s) > rank(best)) {
        best = s;
      }
    }
    return Optional.ofNullable(best);
  }

  private static int rank(ElfSymbol s) {
    return (s.defaultVersion() ? 4 : 0)
        + (s.isFunction() ? 2 : 0)
        + (s.bind() != ElfSymbol.STB_LOCAL ? 1 : 0);
  }

  private synchronized Map<String, List<ElfSymbol>> nameIndex() {
    if (symbolsByName == null) {
      Map<String, List<ElfSymbol>> index = new HashMap<>();
      for (ElfSymbol s : symbols()) {
        index.computeIfAbsent(s.name(), k -> new ArrayList<>(1)).add(s);
      }
      symbolsByName = index;
    }
    return symbolsByName;
  }

  /** The GNU build id ({@code NT_GNU_BUILD_ID}) as lowercase hex, if the file has one. */
  public synchronized Optional<String> buildId() {
    if (buildId == null) {
      try {
        buildId = Optional.ofNullable(ElfNotes.buildId(in, sections, segments));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return buildId;
  }

  /** The file name in {@code .gnu_debuglink}, naming a separate debug file, if any. */
  public Optional<String> debugLink() {
    return debugLinkSection().map(ElfNotes::debugLinkName);
  }

  /** The CRC-32 of the separate debug file recorded in {@code .gnu_debuglink}, if any. */
  public OptionalLong debugLinkCrc() {
    return debugLinkSection().map(ElfNotes::debugLinkCrc).orElse(OptionalLong.empty());
  }

  /** The libraries named by {@code DT_NEEDED}, in order. */
  public List<String> neededLibraries() {
    return dynamic().needed();
  }

  /** The {@code DT_SONAME}, if any. */
  public Optional<String> soname() {
    return Optional.ofNullable(dynamic().soname());
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  @Override
  public String toString() {
    return "ElfFile[" + path + "]";
  }

  // ---------------------------------------------------------------- headers

  private List<ElfSegment> readSegments(long phoff, int entrySize, int count) throws IOException {
    if (count == 0 || phoff == 0) {
      return List.of();
    }
    if (entrySize < 56) {
      throw new IOException(path + " is corrupt: program header size " + entrySize);
    }
    ByteBuffer table = in.read(phoff, (long) entrySize * count, "program headers");
    List<ElfSegment> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int at = i * entrySize;
      list.add(
          new ElfSegment(
              table.getInt(at),
              table.getInt(at + 4),
              table.getLong(at + 8),
              table.getLong(at + 16),
              table.getLong(at + 32),
              table.getLong(at + 40),
              table.getLong(at + 48)));
    }
    return List.copyOf(list);
  }

  private List<ElfSection> readSections(long shoff, int entrySize, int count, int namesIndex)
      throws IOException {
    if (count == 0) {
      return List.of();
    }
    if (entrySize < 64) {
      throw new IOException(path + " is corrupt: section header size " + entrySize);
    }
    ByteBuffer table = in.read(shoff, (long) entrySize * count, "section headers");
    ByteBuffer names = null;
    if (namesIndex > 0 && namesIndex < count) {
      int at = namesIndex * entrySize;
      if (table.getInt(at + 4) != ElfSection.SHT_NOBITS) {
        names = in.read(table.getLong(at + 24), table.getLong(at + 32), "section names");
      }
    }
    List<ElfSection> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int at = i * entrySize;
      int nameOffset = table.getInt(at);
      String name = names == null ? "" : ElfInput.cString(names, nameOffset);
      list.add(
          new ElfSection(
              i,
              name,
              table.getInt(at + 4),
              table.getLong(at + 8),
              table.getLong(at + 16),
              table.getLong(at + 24),
              table.getLong(at + 32),
              table.getInt(at + 40),
              table.getInt(at + 44),
              table.getLong(at + 56)));
    }
    return List.copyOf(list);
  }

  private Optional<ByteBuffer> debugLinkSection() {
    Optional<ElfSection> section = section(".gnu_debuglink");
    if (section.isEmpty() || !section.get().hasFileBytes()) {
      return Optional.empty();
    }
    try {
      return Optional.of(in.readSection(section.get()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private synchronized ElfDynamic dynamic() {
    if (dynamic == null) {
      try {
        dynamic = ElfDynamic.read(in, segments, this::fileOffsetOf);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dynamic;
  }
}
