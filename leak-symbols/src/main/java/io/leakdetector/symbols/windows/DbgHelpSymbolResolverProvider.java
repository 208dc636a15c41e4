package io.leakdetector.symbols.windows;

import com.sun.jna.Platform;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The {@code dbghelp} symbol resolver: Windows processes, symbols through dbghelp.dll (PDBs from
 * the symbol path, else the export tables). Logs which dbghelp.dll it uses ({@link System.Logger}
 * {@value #LOGGER}, level INFO).
 */
public final class DbgHelpSymbolResolverProvider implements SymbolResolverProvider {
  /** The logger of this module's messages. */
  static final String LOGGER = "io.leakdetector.symbols";

  private static final int ERROR_ACCESS_DENIED = 5;
  private static final int ERROR_INVALID_PARAMETER = 87;

  private final boolean windows;
  private final String osName;
  private final Map<String, String> env;
  private final Predicate<String> isFile;
  private final Function<String, SymbolApi> loader;
  private final System.Logger log;

  /** The provider ServiceLoader creates: the real DLLs, on 64-bit Windows only. */
  public DbgHelpSymbolResolverProvider() {
    this(
        Platform.isWindows() && Platform.is64Bit(),
        System.getProperty("os.name", "?"),
        System.getenv(),
        path -> Files.isRegularFile(Path.of(path)),
        SymbolApi::load,
        System.getLogger(LOGGER));
  }

  DbgHelpSymbolResolverProvider(
      boolean windows,
      String osName,
      Map<String, String> env,
      Predicate<String> isFile,
      Function<String, SymbolApi> loader,
      System.Logger log) {
    this.windows = windows;
    this.osName = osName;
    this.env = env;
    this.isFile = isFile;
    this.loader = loader;
    this.log = log;
  }

  @Override
  public String name() {
    return "dbghelp";
  }

  @Override
  public Availability availability() {
    if (!windows) {
      return Availability.unavailable(
          "dbghelp symbols need 64-bit Windows; this is " + osName + ".");
    }
    if (DbgHelpLocator.choose(env, isFile) == null) {
      return Availability.unavailable(
          "No dbghelp.dll was found (neither Debugging Tools for Windows nor System32).");
    }
    return Availability.AVAILABLE;
  }

  @Override
  public SymbolResolver open(TargetProcess target, SymbolOptions options)
      throws LeakDetectorException {
    Availability availability = availability();
    if (!availability.available()) {
      throw new LeakDetectorException(Kind.UNAVAILABLE, availability.reason());
    }
    DbgHelpLocator.Choice choice = DbgHelpLocator.choose(env, isFile);
    SymbolApi api;
    try {
      api = loader.apply(choice.dll());
    } catch (LinkageError | RuntimeException e) {
      throw new LeakDetectorException(
          Kind.UNAVAILABLE, "Could not load " + choice.dll() + ": " + e.getMessage(), e);
    }
    log.log(Level.INFO, choice.describe());
    long pid = target.pid();
    HANDLE process =
        api.kernel32()
            .OpenProcess(WinNT.PROCESS_QUERY_INFORMATION | WinNT.PROCESS_VM_READ, false, (int) pid);
    if (process == null) {
      int error = api.lastError().getAsInt();
      if (error == ERROR_ACCESS_DENIED) {
        throw new LeakDetectorException(
            Kind.NOT_PERMITTED,
            "Windows denied reading the modules of process "
                + pid
                + ": run from an administrator console.");
      }
      if (error == ERROR_INVALID_PARAMETER) {
        throw new LeakDetectorException(
            Kind.NO_SUCH_PROCESS, "No process with id " + pid + " is running.");
      }
      throw new LeakDetectorException(
          Kind.SOURCE_FAILED,
          "Could not open process " + pid + " (OpenProcess error " + error + ").");
    }
    try {
      return DbgHelpSymbolResolver.open(api, process, env, log);
    } catch (IllegalStateException e) {
      throw new LeakDetectorException(Kind.UNAVAILABLE, e.getMessage() + ".", e);
    }
  }
}
