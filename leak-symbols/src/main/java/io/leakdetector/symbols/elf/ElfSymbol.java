package io.leakdetector.symbols.elf;

/**
 * A defined symbol of an ELF file.
 *
 * @param name the plain name, without any {@code @VERSION} suffix
 * @param value the symbol's virtual address in the file's own address space (before any load bias)
 * @param size the size in bytes, 0 when unknown
 * @param type the ELF symbol type ({@link #STT_FUNC}, {@link #STT_GNU_IFUNC}, {@link #STT_OBJECT},
 *     …)
 * @param bind the ELF binding ({@link #STB_LOCAL}, {@link #STB_GLOBAL}, {@link #STB_WEAK})
 * @param sectionIndex the index of the section it is defined in (special indexes such as {@code
 *     SHN_ABS} kept as they are)
 * @param version the symbol version from the dynamic version tables ({@code GLIBC_2.2.5}), or
 *     {@code ""} when it has none
 * @param defaultVersion whether this is the version a plain-name lookup binds to ({@code
 *     name@@VERSION}); true for a symbol without version
 */
public record ElfSymbol(
    String name,
    long value,
    long size,
    int type,
    int bind,
    int sectionIndex,
    String version,
    boolean defaultVersion) {

  public static final int STT_NOTYPE = 0;
  public static final int STT_OBJECT = 1;
  public static final int STT_FUNC = 2;
  public static final int STT_SECTION = 3;
  public static final int STT_FILE = 4;
  public static final int STT_TLS = 6;
  public static final int STT_GNU_IFUNC = 10;

  public static final int STB_LOCAL = 0;
  public static final int STB_GLOBAL = 1;
  public static final int STB_WEAK = 2;

  public ElfSymbol {
    version = version == null ? "" : version;
  }

  /** A symbol without version. */
  public ElfSymbol(String name, long value, long size, int type, int bind, int sectionIndex) {
    this(name, value, size, type, bind, sectionIndex, "", true);
  }

  /** Whether this names code: a function or a GNU indirect function (its resolver). */
  public boolean isFunction() {
    return type == STT_FUNC || type == STT_GNU_IFUNC;
  }

  /** Whether {@code vaddr} lies inside this symbol (false when its size is 0). */
  public boolean contains(long vaddr) {
    return size > 0 && Long.compareUnsigned(vaddr - value, size) < 0;
  }

  /**
   * The name as {@code readelf} shows it: {@code name@@VERSION} for the default version, {@code
   * name@VERSION} for a hidden one, the plain name when there is no version.
   */
  public String versionedName() {
    if (version.isEmpty()) {
      return name;
    }
    return name + (defaultVersion ? "@@" : "@") + version;
  }
}
