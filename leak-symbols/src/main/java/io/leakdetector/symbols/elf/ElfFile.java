package io.leakdetector.symbols.elf;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

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

  private static final int SHN_UNDEF = 0;
  private static final int SHN_XINDEX = 0xffff;
  private static final int PN_XNUM = 0xffff;
  private static final int NT_GNU_BUILD_ID = 3;
  private static final long DT_NULL = 0;
  private static final long DT_NEEDED = 1;
  private static final long DT_STRTAB = 5;
  private static final long DT_STRSZ = 10;
  private static final long DT_SONAME = 14;
  private static final int VER_FLG_BASE = 1;
  private static final int VERSYM_HIDDEN = 0x8000;

  /** Largest table read into memory at once; real symbol tables are far smaller. */
  private static final long MAX_TABLE_BYTES = 512L << 20;

  private final Path path;
  private final FileChannel channel;
  private final long fileSize;
  private final int type;
  private final int machine;
  private final long entry;
  private final List<ElfSegment> segments;
  private final List<ElfSection> sections;

  private List<ElfSymbol> symbols;
  private Map<String, List<ElfSymbol>> symbolsByName;
  private Optional<String> buildId;
  private DynamicInfo dynamicInfo;

  private ElfFile(Path path, FileChannel channel) throws IOException {
    this.path = path;
    this.channel = channel;
    this.fileSize = channel.size();
    if (fileSize < 16 || read(0, 4, "ELF magic").getInt(0) != 0x464c457f) {
      throw new IOException(path + " is not an ELF file");
    }
    ByteBuffer header = read(0, 64, "ELF header");
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
      ByteBuffer first = read(shoff, 64, "section header 0");
      if (shnum == 0) {
        shnum = checkedCount(first.getLong(32), "section count");
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
      return new ElfFile(path, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  /** The file's size in bytes when it was opened. */
  public long fileSize() {
    return fileSize;
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
          return Optional.of(cString(read(s.offset(), checkedSize(s.fileSize()), "PT_INTERP"), 0));
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
    ByteBuffer buffer = read(fileOffset, length, "bytes");
    byte[] bytes = new byte[length];
    buffer.get(0, bytes);
    return bytes;
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
        symbols = Collections.unmodifiableList(loadSymbols());
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
        buildId = Optional.ofNullable(findBuildId());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return buildId;
  }

  /** The file name in {@code .gnu_debuglink}, naming a separate debug file, if any. */
  public Optional<String> debugLink() {
    return debugLinkSection().map(b -> cString(b, 0));
  }

  /** The CRC-32 of the separate debug file recorded in {@code .gnu_debuglink}, if any. */
  public OptionalLong debugLinkCrc() {
    Optional<ByteBuffer> section = debugLinkSection();
    if (section.isEmpty()) {
      return OptionalLong.empty();
    }
    ByteBuffer b = section.get();
    int nameEnd = cString(b, 0).getBytes(StandardCharsets.UTF_8).length + 1;
    int crcAt = (nameEnd + 3) & ~3;
    if (crcAt + 4 > b.limit()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Integer.toUnsignedLong(b.getInt(crcAt)));
  }

  /** The libraries named by {@code DT_NEEDED}, in order. */
  public List<String> neededLibraries() {
    return dynamicInfo().needed();
  }

  /** The {@code DT_SONAME}, if any. */
  public Optional<String> soname() {
    return Optional.ofNullable(dynamicInfo().soname());
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "ElfFile[" + path + "]";
  }

  // ---------------------------------------------------------------- reading

  private ByteBuffer read(long offset, long size, String what) throws IOException {
    if (size < 0 || size > MAX_TABLE_BYTES) {
      throw new IOException(path + " is corrupt: " + what + " has an impossible size " + size);
    }
    if (offset < 0 || offset + size > fileSize) {
      throw new EOFException(
          path
              + " is truncated or corrupt: "
              + what
              + " at offset "
              + offset
              + " (+"
              + size
              + ") lies beyond the end of the file ("
              + fileSize
              + " bytes)");
    }
    ByteBuffer buffer = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    long position = offset;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, position);
      if (n < 0) {
        throw new EOFException(path + " ended early while reading " + what);
      }
      position += n;
    }
    return buffer.flip();
  }

  private ByteBuffer readSection(ElfSection section) throws IOException {
    if (!section.hasFileBytes()) {
      return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
    }
    return read(section.offset(), section.size(), "section " + section.name());
  }

  private int checkedCount(long count, String what) throws IOException {
    if (count < 0 || count > 1_000_000) {
      throw new IOException(path + " is corrupt: impossible " + what + " " + count);
    }
    return (int) count;
  }

  private long checkedSize(long size) throws IOException {
    if (size < 0 || size > MAX_TABLE_BYTES) {
      throw new IOException(path + " is corrupt: impossible size " + size);
    }
    return size;
  }

  private List<ElfSegment> readSegments(long phoff, int entrySize, int count) throws IOException {
    if (count == 0 || phoff == 0) {
      return List.of();
    }
    if (entrySize < 56) {
      throw new IOException(path + " is corrupt: program header size " + entrySize);
    }
    ByteBuffer table = read(phoff, (long) entrySize * count, "program headers");
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
    ByteBuffer table = read(shoff, (long) entrySize * count, "section headers");
    ByteBuffer names = null;
    if (namesIndex > 0 && namesIndex < count) {
      int at = namesIndex * entrySize;
      if (table.getInt(at + 4) != ElfSection.SHT_NOBITS) {
        names = read(table.getLong(at + 24), table.getLong(at + 32), "section names");
      }
    }
    List<ElfSection> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int at = i * entrySize;
      int nameOffset = table.getInt(at);
      String name = names == null ? "" : cString(names, nameOffset);
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

  private static String cString(ByteBuffer buffer, int offset) {
    if (offset < 0 || offset >= buffer.limit()) {
      return "";
    }
    int end = offset;
    while (end < buffer.limit() && buffer.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - offset];
    buffer.get(offset, bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- symbols

  private record SymbolKey(String name, long value, String version) {}

  private List<ElfSymbol> loadSymbols() throws IOException {
    Map<SymbolKey, ElfSymbol> unique = new LinkedHashMap<>();
    Set<SymbolKey> unversioned = new HashSet<>();
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_DYNSYM) {
        for (ElfSymbol symbol : readSymbolTable(s, versionNames(s))) {
          unique.putIfAbsent(
              new SymbolKey(symbol.name(), symbol.value(), symbol.version()), symbol);
          unversioned.add(new SymbolKey(symbol.name(), symbol.value(), ""));
        }
      }
    }
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_SYMTAB) {
        for (ElfSymbol symbol : readSymbolTable(s, null)) {
          SymbolKey key = new SymbolKey(symbol.name(), symbol.value(), symbol.version());
          if (symbol.version().isEmpty() && unversioned.contains(key)) {
            continue; // already there from .dynsym, with its version
          }
          unique.putIfAbsent(key, symbol);
        }
      }
    }
    return new ArrayList<>(unique.values());
  }

  private List<ElfSymbol> readSymbolTable(ElfSection table, VersionTable versions)
      throws IOException {
    if (!table.hasFileBytes() || table.entrySize() < 24) {
      return List.of();
    }
    if (table.link() <= 0 || table.link() >= sections.size()) {
      throw new IOException(path + " is corrupt: " + table.name() + " has no string table");
    }
    ByteBuffer entries = readSection(table);
    ByteBuffer strings = readSection(sections.get(table.link()));
    int entrySize = (int) table.entrySize();
    int count = entries.limit() / entrySize;
    List<ElfSymbol> list = new ArrayList<>(count);
    for (int i = 1; i < count; i++) {
      int at = i * entrySize;
      int info = Byte.toUnsignedInt(entries.get(at + 4));
      int sectionIndex = Short.toUnsignedInt(entries.getShort(at + 6));
      int symbolType = info & 0xf;
      if (sectionIndex == SHN_UNDEF
          || symbolType == ElfSymbol.STT_SECTION
          || symbolType == ElfSymbol.STT_FILE) {
        continue;
      }
      String name = cString(strings, entries.getInt(at));
      if (name.isEmpty()) {
        continue;
      }
      String version = "";
      boolean isDefault = true;
      if (versions != null) {
        version = versions.versionOf(i);
        isDefault = !versions.isHidden(i);
      } else {
        int atSign = name.indexOf('@');
        if (atSign > 0) {
          isDefault = name.startsWith("@@", atSign);
          version = name.substring(atSign + (isDefault ? 2 : 1));
          name = name.substring(0, atSign);
        }
      }
      list.add(
          new ElfSymbol(
              name,
              entries.getLong(at + 8),
              entries.getLong(at + 16),
              symbolType,
              info >>> 4,
              sectionIndex,
              version,
              isDefault));
    }
    return list;
  }

  /** The GNU version of each {@code .dynsym} entry, from {@code .gnu.version(_d|_r)}. */
  private VersionTable versionNames(ElfSection dynsym) throws IOException {
    ElfSection versym = null;
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_GNU_VERSYM && s.link() == dynsym.index()) {
        versym = s;
      }
    }
    if (versym == null) {
      return null;
    }
    Map<Integer, String> names = new HashMap<>();
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_GNU_VERDEF && s.link() > 0 && s.link() < sections.size()) {
        readVerdef(readSection(s), readSection(sections.get(s.link())), s.info(), names);
      } else if (s.type() == ElfSection.SHT_GNU_VERNEED
          && s.link() > 0
          && s.link() < sections.size()) {
        readVerneed(readSection(s), readSection(sections.get(s.link())), s.info(), names);
      }
    }
    return new VersionTable(readSection(versym), names);
  }

  private static void readVerdef(
      ByteBuffer defs, ByteBuffer strings, int count, Map<Integer, String> names) {
    int at = 0;
    for (int i = 0; i < count && at >= 0 && at + 20 <= defs.limit(); i++) {
      int flags = Short.toUnsignedInt(defs.getShort(at + 2));
      int index = Short.toUnsignedInt(defs.getShort(at + 4));
      int aux = defs.getInt(at + 12);
      if ((flags & VER_FLG_BASE) == 0 && at + aux + 8 <= defs.limit()) {
        names.put(index, cString(strings, defs.getInt(at + aux)));
      }
      int next = defs.getInt(at + 16);
      if (next <= 0) {
        break;
      }
      at += next;
    }
  }

  private static void readVerneed(
      ByteBuffer needs, ByteBuffer strings, int count, Map<Integer, String> names) {
    int at = 0;
    for (int i = 0; i < count && at >= 0 && at + 16 <= needs.limit(); i++) {
      int auxCount = Short.toUnsignedInt(needs.getShort(at + 2));
      int aux = at + needs.getInt(at + 8);
      for (int j = 0; j < auxCount && aux >= 0 && aux + 16 <= needs.limit(); j++) {
        int index = Short.toUnsignedInt(needs.getShort(aux + 6));
        names.put(index & ~VERSYM_HIDDEN, cString(strings, needs.getInt(aux + 8)));
        int nextAux = needs.getInt(aux + 12);
        if (nextAux <= 0) {
          break;
        }
        aux += nextAux;
      }
      int next = needs.getInt(at + 12);
      if (next <= 0) {
        break;
      }
      at += next;
    }
  }

  /** {@code .gnu.version}: one 16-bit index per dynamic symbol, high bit = hidden. */
  private record VersionTable(ByteBuffer versym, Map<Integer, String> names) {
    String versionOf(int symbolIndex) {
      int at = symbolIndex * 2;
      if (at + 2 > versym.limit()) {
        return "";
      }
      int index = Short.toUnsignedInt(versym.getShort(at)) & ~VERSYM_HIDDEN;
      return index <= 1 ? "" : names.getOrDefault(index, "");
    }

    boolean isHidden(int symbolIndex) {
      int at = symbolIndex * 2;
      return at + 2 <= versym.limit() && (versym.getShort(at) & VERSYM_HIDDEN) != 0;
    }
  }

  // ---------------------------------------------------------------- notes, links, dynamic

  private String findBuildId() throws IOException {
    for (ElfSection s : sections) {
      if (s.type() == ElfSection.SHT_NOTE && s.hasFileBytes()) {
        String id = buildIdIn(readSection(s), 4);
        if (id != null) {
          return id;
        }
      }
    }
    for (ElfSegment s : segments) {
      if (s.type() == ElfSegment.PT_NOTE && s.fileSize() > 0) {
        String id = buildIdIn(read(s.offset(), s.fileSize(), "PT_NOTE"), s.align() == 8 ? 8 : 4);
        if (id != null) {
          return id;
        }
      }
    }
    return null;
  }

  private static String buildIdIn(ByteBuffer notes, int align) {
    int at = 0;
    while (at + 12 <= notes.limit()) {
      int nameSize = notes.getInt(at);
      int descSize = notes.getInt(at + 4);
      int noteType = notes.getInt(at + 8);
      if (nameSize < 0 || descSize < 0) {
        return null;
      }
      int nameAt = at + 12;
      int descAt = nameAt + ((nameSize + align - 1) & -align);
      if (descAt < 0 || descAt + descSize > notes.limit()) {
        return null;
      }
      if (noteType == NT_GNU_BUILD_ID && nameSize == 4 && "GNU".equals(cString(notes, nameAt))) {
        byte[] desc = new byte[descSize];
        notes.get(descAt, desc);
        return HexFormat.of().formatHex(desc);
      }
      at = descAt + ((descSize + align - 1) & -align);
    }
    return null;
  }

  private Optional<ByteBuffer> debugLinkSection() {
    Optional<ElfSection> section = section(".gnu_debuglink");
    if (section.isEmpty() || !section.get().hasFileBytes()) {
      return Optional.empty();
    }
    try {
      return Optional.of(readSection(section.get()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record DynamicInfo(List<String> needed, String soname) {}

  private synchronized DynamicInfo dynamicInfo() {
    if (dynamicInfo == null) {
      try {
        dynamicInfo = readDynamic();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dynamicInfo;
  }

  private DynamicInfo readDynamic() throws IOException {
    ElfSegment dynamic = null;
    for (ElfSegment s : segments) {
      if (s.type() == ElfSegment.PT_DYNAMIC) {
        dynamic = s;
      }
    }
    if (dynamic == null || dynamic.fileSize() == 0) {
      return new DynamicInfo(List.of(), null);
    }
    ByteBuffer entries = read(dynamic.offset(), dynamic.fileSize(), "PT_DYNAMIC");
    List<Long> needed = new ArrayList<>();
    long soname = -1;
    long strtab = 0;
    long strsz = 0;
    for (int at = 0; at + 16 <= entries.limit(); at += 16) {
      long tag = entries.getLong(at);
      long value = entries.getLong(at + 8);
      if (tag == DT_NULL) {
        break;
      } else if (tag == DT_NEEDED) {
        needed.add(value);
      } else if (tag == DT_SONAME) {
        soname = value;
      } else if (tag == DT_STRTAB) {
        strtab = value;
      } else if (tag == DT_STRSZ) {
        strsz = value;
      }
    }
    OptionalLong stringsAt = fileOffsetOf(strtab);
    if (stringsAt.isEmpty() || strsz <= 0) {
      return new DynamicInfo(List.of(), null);
    }
    ByteBuffer strings = read(stringsAt.getAsLong(), strsz, "DT_STRTAB");
    List<String> names = new ArrayList<>(needed.size());
    for (long offset : needed) {
      names.add(cString(strings, (int) offset));
    }
    return new DynamicInfo(List.copyOf(names), soname >= 0 ? cString(strings, (int) soname) : null);
  }
}
