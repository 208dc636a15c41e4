package io.leakdetector.uprobes;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.symbols.elf.ElfFile;
import io.leakdetector.symbols.linux.ProcMaps;
import io.leakdetector.uprobes.linux.LinuxC;
import io.leakdetector.uprobes.probe.LibcLocator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a command held before its first instruction: {@code /bin/sh -c 'kill -STOP $$; exec "$@"'}
 * stops itself, the source opens its events on the stopped shell with {@code enable_on_exec}, and
 * {@code SIGCONT} lets the shell exec the command, which turns the events on at the exec. The
 * probes are on the libc files the shell maps (uprobes belong to a file and offset, not to a
 * mapping, so they fire in the command's later mapping of the same file); a command that maps
 * another libc gets probes when its mapping is reported.
 */
final class Launcher {
  private static final String HOLD = "kill -STOP $$ && exec \"$@\"";

  private Launcher() {}

  /**
   * The launched, stopped shell, the libcs to probe, and the dynamic loader the command will start
   * in (null when it cannot be told).
   */
  record Held(Process process, String name, List<LibcLocator.Found> libcs, Loader loader) {}

  /**
   * The dynamic loader a command starts in: its path and the file offset of its entry point, where
   * the command's first instruction after the exec is.
   */
  record Loader(String path, long entryOffset) {}

  static Held start(List<String> command) throws LeakDetectorException {
    Path executable = resolve(command.get(0));
    checkNotStatic(executable, command.get(0));
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", HOLD, "leakdetector-launch"));
    argv.add(executable.toString());
    argv.addAll(command.subList(1, command.size()));
    Process process;
    try {
      process = new ProcessBuilder(argv).inheritIO().start();
    } catch (IOException e) {
      throw new LeakDetectorException(
          Kind.LAUNCH_FAILED, "Cannot start " + command.get(0) + ": " + e.getMessage() + ".", e);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (ProcFs.state(process.pid()) != 'T') {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new LeakDetectorException(
            Kind.LAUNCH_FAILED, "Cannot start " + command.get(0) + ": the launcher did not stop.");
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new LeakDetectorException(Kind.LAUNCH_FAILED, "Interrupted while launching.");
      }
    }
    List<LibcLocator.Found> libcs = new ArrayList<>();
    try {
      libcs.addAll(LibcLocator.find(process.pid(), ProcMaps.read(process.pid())));
      if (libcs.isEmpty()) {
        // a static shell: probe the libc this JVM uses, the system's
        long self = ProcessHandle.current().pid();
        libcs.addAll(LibcLocator.find(self, ProcMaps.read(self)));
      }
    } catch (IOException e) {
      process.destroyForcibly();
      throw new LeakDetectorException(
          Kind.LAUNCH_FAILED, "Cannot start " + command.get(0) + ": " + e.getMessage() + ".", e);
    }
    String name =
        executable.getFileName() == null ? command.get(0) : executable.getFileName().toString();
    Loader loader = loaderOf(executable, Path.of("/"), 0);
    if (loader == null) {
      loader = loaderOf(Path.of("/proc/" + process.pid() + "/exe"), Path.of("/"), 0);
    }
    return new Held(process, name, libcs, loader);
  }

  /**
   * Ends a launcher that never got to exec its command (tracing did not start): kills it, lets it
   * run so the kill is taken, and reaps it. Does nothing for null or an ended process.
   */
  static void endHeld(Process launched) {
    if (launched == null || !launched.isAlive()) {
      return;
    }
    launched.destroyForcibly();
    try {
      LinuxC.kill((int) launched.pid(), LinuxC.SIGCONT);
    } catch (com.sun.jna.LastErrorException e) {
      // already gone
    }
    try {
      launched.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The exit status of a launched command, once it has ended (-1 when unknown or not launched). */
  static int exitCode(Process launched) {
    if (launched == null) {
      return -1;
    }
    try {
      if (launched.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
        return launched.exitValue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return -1;
  }

  /** Finds the command like the shell would: as a path when it has a slash, else on PATH. */
  static Path resolve(String name) throws LeakDetectorException {
    if (name.isEmpty()) {
      throw new LeakDetectorException(Kind.LAUNCH_FAILED, "The command to launch is empty.");
    }
    if (name.contains("/")) {
      Path p = Path.of(name).toAbsolutePath();
      if (!Files.isRegularFile(p)) {
        throw new LeakDetectorException(Kind.LAUNCH_FAILED, "Command not found: " + name + ".");
      }
      if (!Files.isExecutable(p)) {
        throw new LeakDetectorException(
            Kind.LAUNCH_FAILED, "Command is not executable: " + name + ".");
      }
      return p;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new LeakDetectorException(Kind.LAUNCH_FAILED, "Command not found: " + name + ".");
  }

  /**
   * The loader of an executable: its {@code PT_INTERP}, or for a script ({@code #!}) its
   * interpreter's; paths inside the executable are taken below {@code root} (a process's {@code
   * /proc/PID/root} for one in another mount namespace). Null when there is none.
   */
  static Loader loaderOf(Path executable, Path root, int depth) {
    if (depth > 3) {
      return null;
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(executable)) {
      head = in.readNBytes(256);
    } catch (IOException e) {
      return null;
    }
    if (head.length > 2 && head[0] == '#' && head[1] == '!') {
      String line = new String(head, 2, head.length - 2, java.nio.charset.StandardCharsets.UTF_8);
      line = line.lines().findFirst().orElse("").strip();
      String interpreter = line.split("\\s+")[0];
      return interpreter.isEmpty() ? null : loaderOf(below(root, interpreter), root, depth + 1);
    }
    try (ElfFile elf = ElfFile.open(executable)) {
      java.util.Optional<String> interp = elf.interpreter();
      if (interp.isEmpty()) {
        return null;
      }
      Path loaderPath = below(root, interp.get()).toRealPath();
      try (ElfFile loader = ElfFile.open(loaderPath)) {
        java.util.OptionalLong offset = loader.fileOffsetOf(loader.entry());
        return offset.isPresent() ? new Loader(loaderPath.toString(), offset.getAsLong()) : null;
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Path below(Path root, String path) {
    return root.resolve(path.startsWith("/") ? path.substring(1) : path);
  }

  private static void checkNotStatic(Path executable, String name) throws LeakDetectorException {
    byte[] magic = new byte[4];
    try (InputStream in = Files.newInputStream(executable)) {
      if (in.readNBytes(magic, 0, 4) < 4 || magic[0] != 0x7f || magic[1] != 'E') {
        return; // a script: its interpreter is what runs
      }
    } catch (IOException e) {
      return;
    }
    try (ElfFile elf = ElfFile.open(executable)) {
      if (!elf.hasInterpreter()) {
        throw new LeakDetectorException(
            Kind.UNAVAILABLE,
            "The command " + name + " is statically linked (no libc to probe); nothing to trace.");
      }
    } catch (IOException e) {
      // not an ELF we can read: let the exec decide
    }
  }
}
