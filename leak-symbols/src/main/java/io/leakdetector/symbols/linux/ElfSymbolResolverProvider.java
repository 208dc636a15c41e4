package io.leakdetector.symbols.linux;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import io.leakdetector.symbols.demangle.Demangler;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code elf} symbol resolver: Linux processes, symbols read from their ELF files, their
 * separate debug files and MiniDebugInfo; debug files missing here are fetched from the debuginfod
 * servers of {@code DEBUGINFOD_URLS} unless {@link SymbolOptions#debuginfod()} is false. Logs
 * through {@link System.Logger} {@value #LOGGER}: once when it starts fetching, once (WARNING) when
 * a lookup first fails.
 */
public final class ElfSymbolResolverProvider implements SymbolResolverProvider {
  /** The logger of this module's messages. */
  static final String LOGGER = "io.leakdetector.symbols";

  private final Map<String, String> env;
  private final System.Logger log;

  /** The provider ServiceLoader creates: this process's environment. */
  public ElfSymbolResolverProvider() {
    this(System.getenv(), System.getLogger(LOGGER));
  }

  /**
   * @param env the environment ({@code DEBUGINFOD_URLS}, {@code DEBUGINFOD_CACHE_PATH}, {@code
   *     DEBUGINFOD_TIMEOUT}, {@code XDG_CACHE_HOME}, {@code HOME})
   */
  ElfSymbolResolverProvider(Map<String, String> env, System.Logger log) {
    this.env = Map.copyOf(env);
    this.log = log;
  }

  @Override
  public String name() {
    return "elf";
  }

  @Override
  public Availability availability() {
    String os = System.getProperty("os.name", "");
    if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
      return Availability.unavailable(
          "ELF symbols are read from /proc, which only Linux has; this is " + os + ".");
    }
    if (!Files.isDirectory(Path.of("/proc/self"))) {
      return Availability.unavailable("ELF symbols need /proc, which is not mounted here.");
    }
    // available either way; --list says what C++ names will look like
    return Demangler.cppProblem()
        .map(problem -> new Availability(true, problem))
        .orElse(Availability.AVAILABLE);
  }

  @Override
  public SymbolResolver open(TargetProcess target, SymbolOptions options)
      throws LeakDetectorException {
    long pid = target.pid();
    try {
      return ElfSymbolResolver.open(
          pid, options.includeKernelFrames(), Path.of("/proc/kallsyms"), downloads(options));
    } catch (NoSuchFileException e) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "There is no process with id " + pid + ".", e);
    } catch (AccessDeniedException e) {
      throw new LeakDetectorException(
          Kind.NOT_PERMITTED,
          "Cannot read the memory map of process "
              + pid
              + ": permission denied (run as root or as the process's owner).",
          e);
    } catch (IOException | RuntimeException e) {
      if (!Files.exists(Path.of("/proc", Long.toString(pid)))) {
        throw new LeakDetectorException(
            Kind.NO_SUCH_PROCESS, "Process " + pid + " exited before its modules were read.", e);
      }
      throw new LeakDetectorException(
          Kind.IO, "Cannot read the memory map of process " + pid + ": " + e.getMessage(), e);
    }
  }

  /** Debuginfod lookups as the options and the environment ask, or none. */
  DebugFileDownloads downloads(SymbolOptions options) {
    return DebuginfodSettings.of(options, env)
        .map(settings -> DebugFileDownloads.using(new DebuginfodClient(settings), log))
        .orElse(DebugFileDownloads.off());
  }
}
