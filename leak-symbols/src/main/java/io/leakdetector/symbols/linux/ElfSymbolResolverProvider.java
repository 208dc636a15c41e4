package io.leakdetector.symbols.linux;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** The {@code elf} symbol resolver: Linux processes, symbols read from their ELF files. */
public final class ElfSymbolResolverProvider implements SymbolResolverProvider {

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
    return Availability.AVAILABLE;
  }

  @Override
  public SymbolResolver open(TargetProcess target, boolean includeKernelFrames)
      throws LeakDetectorException {
    long pid = target.pid();
    try {
      return ElfSymbolResolver.open(pid, includeKernelFrames);
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
}
