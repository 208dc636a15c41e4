package io.leakdetector.clitest;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.spi.TargetSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A test-only heap event source, {@code --source scripted}: it replays a fixed script of heap
 * events instead of tracing, so the command's behaviour (reports, Ctrl+C, exit codes, launch mode)
 * can be tested without privileges. Registered through META-INF/services for the class-path tests;
 * the launcher tests compile this file into a module of its own.
 *
 * <p>Each round feeds stack A three allocations of 100 bytes and stack B two of 50 bytes, then
 * frees one of B's: per round 4 outstanding allocations, 350 bytes. Source options: {@code
 * scripted.rounds} (default 1), {@code scripted.round-ms} between rounds (default 20), {@code
 * scripted.then} after the last round: {@code wait} (until closed, the default), {@code exit} (the
 * target "exits" with status 0) or {@code fail} (the source fails). A launched command is started
 * for real (untraced) and its exit ends the session.
 */
public final class ScriptedSourceProvider implements HeapEventSourceProvider {
  public static final String FAILURE = "The scripted source failed on purpose.";
  static final long[] STACK_A = {0x7f0000001000L, 0x7f0000002000L};
  static final long[] STACK_B = {0x7f0000001100L, 0x7f0000002000L};

  @Override
  public String name() {
    return "scripted";
  }

  @Override
  public Availability availability() {
    return Availability.AVAILABLE;
  }

  @Override
  public List<TargetProcess> findProcesses(String name) {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .command()
                    .map(c -> Path.of(c).getFileName().toString())
                    .orElse("")
                    .equals(name))
        .map(p -> new TargetProcess(p.pid(), name))
        .toList();
  }

  @Override
  public HeapEventSource open(SourceRequest request) throws LeakDetectorException {
    int rounds = Integer.parseInt(request.option("scripted.rounds", "1"));
    long roundMillis = Long.parseLong(request.option("scripted.round-ms", "20"));
    String then = request.option("scripted.then", "wait");
    if (request.target() instanceof TargetSpec.Launch launch) {
      Process process;
      try {
        process = new ProcessBuilder(launch.command()).inheritIO().start();
      } catch (IOException e) {
        throw new LeakDetectorException(
            LeakDetectorException.Kind.LAUNCH_FAILED,
            "Cannot start " + launch.command().get(0) + ".");
      }
      String name = Path.of(launch.command().get(0)).getFileName().toString();
      return new Source(new TargetProcess(process.pid(), name), process, rounds, roundMillis, then);
    }
    long pid = ((TargetSpec.Pid) request.target()).pid();
    String name =
        ProcessHandle.of(pid)
            .flatMap(p -> p.info().command())
            .map(c -> Path.of(c).getFileName().toString())
            .orElse("");
    return new Source(new TargetProcess(pid, name), null, rounds, roundMillis, then);
  }

  /** Replays the script on its own thread, as a real source feeds from its consumer thread. */
  static final class Source implements HeapEventSource {
    private final TargetProcess target;
    private final Process launched;
    private final int rounds;
    private final long roundMillis;
    private final String then;
    private volatile boolean closed;
    private Thread thread;

    Source(TargetProcess target, Process launched, int rounds, long roundMillis, String then) {
      this.target = target;
      this.launched = launched;
      this.rounds = rounds;
      this.roundMillis = roundMillis;
      this.then = then;
    }

    @Override
    public TargetProcess target() {
      return target;
    }

    @Override
    public void start(HeapEventSink sink, StreamListener listener) {
      thread = new Thread(() -> feed(sink, listener), "scripted-source");
      thread.setDaemon(true);
      thread.start();
    }

    private void feed(HeapEventSink sink, StreamListener listener) {
      int a = sink.internStack(STACK_A, 0, STACK_A.length);
      int b = sink.internStack(STACK_B, 0, STACK_B.length);
      long address = 0x10000;
      for (int round = 0; round < rounds && !closed; round++) {
        long t = System.nanoTime();
        for (int i = 0; i < 3; i++) {
          sink.onAlloc(t, 0, address += 0x100, 100, a);
        }
        sink.onAlloc(t, 0, address += 0x100, 50, b);
        sink.onAlloc(t, 0, address += 0x100, 50, b);
        sink.onFree(t, 0, address);
        sleep(roundMillis);
      }
      if (launched != null) {
        try {
          int status = launched.waitFor();
          if (!closed) {
            listener.onTargetExit(status);
          }
        } catch (InterruptedException e) {
          return;
        }
      } else if (then.equals("exit")) {
        listener.onTargetExit(0);
      } else if (then.equals("fail")) {
        listener.onSourceFailure(FAILURE);
      }
    }

    private void sleep(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      closed = true;
      if (thread != null && thread != Thread.currentThread()) {
        thread.interrupt();
        try {
          thread.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
