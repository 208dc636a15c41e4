package io.leakdetector.symbols.linux;

import com.sun.jna.Function;
import com.sun.jna.Native;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a diagnostic command in a HotSpot JVM through its attach mechanism, the way {@code jcmd}
 * does, without loading anything into it: a trigger file {@code .attach_pidNSPID} in its working
 * folder (else its {@code /tmp}), {@code SIGQUIT}, then the protocol over the UNIX socket {@code
 * /tmp/.java_pidNSPID} it opens, all through {@code /proc/PID/} so a JVM in a container is reached.
 *
 * <p>The signal is sent only to a process that maps {@code libjvm.so} (and not OpenJ9's {@code
 * libj9vm}), catches {@code SIGQUIT} (a JVM run with {@code -Xrs} does not, and would die of it),
 * and is still the process that was checked (same start time).
 */
public final class HotSpotAttach {
  /** The outcome of a request: {@code message} is the JVM's output, or one sentence why not. */
  public record Result(boolean succeeded, String message) {}

  private static final int SIGQUIT = 3;
  private static final Pattern JAVA_VERSION =
      Pattern.compile("(?m)^JAVA_VERSION=\"(?:1\\.)?(\\d+)");

  private HotSpotAttach() {}

  /** Asks the JVM to write its perf map ({@code jcmd PID Compiler.perfmap}, JDK 17+). */
  public static Result requestPerfMap(long pid) {
    return jcmd(pid, "Compiler.perfmap", Duration.ofSeconds(10));
  }

  /** Runs {@code jcmd PID command} (a command without arguments) within {@code timeout}. */
  public static Result jcmd(long pid, String command, Duration timeout) {
    TargetState target;
    List<ProcMapsEntry> maps;
    try {
      target = TargetState.capture(pid);
      maps = ProcMaps.read(pid);
    } catch (IOException | RuntimeException e) {
      return failed("Process " + pid + " cannot be read (" + e.getMessage() + ").");
    }
    Optional<String> libjvm =
        maps.stream().map(ProcMapsEntry::path).filter(p -> p.endsWith("/libjvm.so")).findFirst();
    if (libjvm.isEmpty()) {
      return failed("Process " + pid + " is not a HotSpot JVM (no libjvm.so mapped).");
    }
    if (maps.stream().anyMatch(e -> e.path().contains("/libj9vm"))) {
      return failed("Process " + pid + " is an OpenJ9 JVM, which has no HotSpot attach socket.");
    }
    int feature = featureVersion(target, libjvm.get());
    if (feature > 0 && feature < 17 && command.equals("Compiler.perfmap")) {
      return failed("Process " + pid + " runs Java " + feature + "; Compiler.perfmap needs 17+.");
    }
    long nsPid = ProcStatus.namespacePid(pid);
    Path socket = target.throughRoot("/tmp/.java_pid" + nsPid);
    if (!Files.exists(socket)) {
      Result started = startAttachListener(target, nsPid, socket, timeout);
      if (!started.succeeded()) {
        return started;
      }
    }
    return send(socket, command, timeout);
  }

  private static Result startAttachListener(
      TargetState target, long nsPid, Path socket, Duration timeout) {
    long pid = target.pid();
    if (!ProcStatus.catches(pid, SIGQUIT)) {
      return failed(
          "The JVM " + pid + " does not handle SIGQUIT (run with -Xrs?), so it is not signalled.");
    }
    Path trigger = createTrigger(target, nsPid);
    if (trigger == null) {
      return failed("Cannot create the attach trigger file of JVM " + pid + ".");
    }
    try {
      if (!target.alive()) {
        return failed("Process " + pid + " has exited.");
      }
      int rc = kill(pid, SIGQUIT);
      if (rc != 0) {
        return failed("Cannot signal JVM " + pid + " (errno " + Native.getLastError() + ").");
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      long sleep = 10;
      while (!Files.exists(socket)) {
        if (System.nanoTime() > deadline || !target.alive()) {
          return failed(
              "JVM "
                  + pid
                  + " opened no attach socket within "
                  + timeout.toMillis()
                  + " ms (-XX:+DisableAttachMechanism?).");
        }
        Thread.sleep(sleep);
        sleep = Math.min(200, sleep * 2);
      }
      return new Result(true, "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed("Interrupted while waiting for JVM " + pid + ".");
    } finally {
      try {
        Files.deleteIfExists(trigger);
      } catch (IOException e) {
        // the JVM may remove it itself
      }
    }
  }

  /** The trigger file, owned by the JVM's user (HotSpot ignores one of another user but root). */
  private static Path createTrigger(TargetState target, long nsPid) {
    String name = ".attach_pid" + nsPid;
    Path[] places = {
      TargetState.procDir(target.pid()).resolve("cwd").resolve(name),
      target.throughRoot("/tmp/" + name)
    };
    for (Path place : places) {
      try {
        Files.deleteIfExists(place);
        Files.createFile(place);
        long uid = ProcStatus.effectiveUid(target.pid());
        long gid = ProcStatus.effectiveGid(target.pid());
        if (uid >= 0) {
          Files.setAttribute(place, "unix:uid", (int) uid);
          Files.setAttribute(place, "unix:gid", (int) gid);
        }
        return place;
      } catch (IOException | RuntimeException e) {
        // not writable there: try the next place
      }
    }
    return null;
  }

  /** Protocol 1: {@code 1\0jcmd\0COMMAND\0\0\0}; the answer is a result code line, then output. */
  private static Result send(Path socket, String command, Duration timeout) {
    byte[] request = ("1\0jcmd\0" + command + "\0\0\0").getBytes(StandardCharsets.UTF_8);
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = Selector.open()) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(ByteBuffer.wrap(request));
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ);
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return failed(
              "The JVM did not answer " + command + " within " + timeout.toMillis() + " ms.");
        }
        selector.select(left);
        selector.selectedKeys().clear();
        buffer.clear();
        int n = channel.read(buffer);
        if (n < 0) {
          break;
        }
        answer.write(buffer.array(), 0, n);
      }
      String text = answer.toString(StandardCharsets.UTF_8);
      int newline = text.indexOf('\n');
      String code = (newline < 0 ? text : text.substring(0, newline)).strip();
      String output = newline < 0 ? "" : text.substring(newline + 1).strip();
      if (code.equals("0")) {
        return new Result(true, output);
      }
      String firstLine = output.lines().findFirst().orElse("no message");
      return failed("The JVM refused " + command + " (" + code + ": " + firstLine + ").");
    } catch (IOException e) {
      return failed("Cannot talk to the JVM through " + socket + " (" + e.getMessage() + ").");
    }
  }

  /** The Java feature version from the JDK's {@code release} file, or 0 when unknown. */
  private static int featureVersion(TargetState target, String libjvm) {
    // JAVA_HOME/lib/server/libjvm.so
    Path home = target.throughRoot(libjvm).getParent().getParent().getParent();
    try {
      Matcher m = JAVA_VERSION.matcher(Files.readString(home.resolve("release")));
      return m.find() ? Integer.parseInt(m.group(1)) : 0;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static int kill(long pid, int signal) {
    return Function.getFunction("c", "kill").invokeInt(new Object[] {(int) pid, signal});
  }

  private static Result failed(String sentence) {
    return new Result(false, sentence);
  }
}
