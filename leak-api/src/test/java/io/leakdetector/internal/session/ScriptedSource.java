package io.leakdetector.internal.session;

import io.leakdetector.Frame;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.testkit.ListedSourceProvider;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A test source that replays a script of events on its own thread, as a real source does, and
 * records how the session drives it.
 */
final class ScriptedSource implements HeapEventSource {
  static final long KERNEL_FRAME = 0xffffffff81000000L;

  private final TargetProcess target;
  private final BiConsumer<HeapEventSink, StreamListener> script;
  final AtomicInteger closes = new AtomicInteger();

  /** "stop" and "close" in the order the session called them; tests may add their own steps. */
  final List<String> lifecycle = new CopyOnWriteArrayList<>();

  final AtomicInteger catchUps = new AtomicInteger();
  final CountDownLatch fed = new CountDownLatch(1);
  volatile HeapEventSink sink;

  /** The names of the threads that asked for {@link #excludeCurrentThread()}, in order. */
  final List<String> excludedThreads = new CopyOnWriteArrayList<>();

  /** What the session asked the provider to trace. */
  volatile TargetSpec requested;

  private Thread thread;

  /** {@code script} feeds the sink and may end the stream through the listener. */
  ScriptedSource(TargetProcess target, BiConsumer<HeapEventSink, StreamListener> script) {
    this.target = target;
    this.script = script;
  }

  @Override
  public TargetProcess target() {
    return target;
  }

  /** The name of the thread that started the source. */
  volatile String startedOn;

  @Override
  public void start(HeapEventSink sink, StreamListener listener) {
    this.startedOn = Thread.currentThread().getName();
    this.sink = sink;
    listener.onModuleMapped(new ModuleMapping(0x1000, 0x2000, 0, "/opt/app/leaky"));
    thread =
        new Thread(
            () -> {
              script.accept(sink, listener);
              fed.countDown();
            },
            "scripted-source");
    thread.start();
  }

  @Override
  public void catchUp() {
    catchUps.incrementAndGet();
  }

  @Override
  public void excludeCurrentThread() {
    excludedThreads.add(Thread.currentThread().getName());
  }

  @Override
  public Map<String, Long> counters() {
    return Map.of("scripted", 1L);
  }

  @Override
  public void stop() {
    lifecycle.add("stop");
    joinScript();
  }

  @Override
  public void close() {
    lifecycle.add("close");
    closes.incrementAndGet();
    joinScript();
  }

  private void joinScript() {
    if (thread != null && thread != Thread.currentThread()) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Three stacks: two leaking (one with a kernel frame on top), one that frees everything. */
  static void threeStacks(HeapEventSink sink) {
    long[] frames = {KERNEL_FRAME, 0x1010, 0x1100, 0x1200, 0x1300};
    int leaky = sink.internStack(frames, 1, 3);
    int kernelTopped = sink.internStack(frames, 0, 2);
    int tidy = sink.internStack(frames, 3, 2);
    long address = 0x10_0000;
    for (int i = 0; i < 30; i++) {
      sink.onAlloc(i, 0, address += 0x100, 168, leaky);
    }
    for (int i = 0; i < 4; i++) {
      sink.onAlloc(i, 0, address += 0x100, 200, kernelTopped);
    }
    for (int i = 0; i < 10; i++) {
      sink.onAlloc(i, 0, address += 0x100, 50, tidy);
      sink.onFree(i, 0, address);
    }
    sink.onFree(99, 0, 0xdead_0000L);
  }

  static HeapEventSourceProvider provider(ScriptedSource source, List<TargetProcess> processes) {
    return new ListedSourceProvider(
        "scripted",
        Availability.AVAILABLE,
        processes,
        request -> {
          source.requested = request.target();
          if (request.target() instanceof TargetSpec.Pid pid && pid.pid() != source.target.pid()) {
            throw new LeakDetectorException(LeakDetectorException.Kind.NO_SUCH_PROCESS, "gone");
          }
          return source;
        });
  }

  /** Names frames in the mapping of {@link #start}; everything else is unknown. */
  static SymbolResolverProvider namingResolver() {
    return new SymbolResolverProvider() {
      @Override
      public String name() {
        return "naming";
      }

      @Override
      public Availability availability() {
        return Availability.AVAILABLE;
      }

      @Override
      public SymbolResolver open(TargetProcess target, SymbolOptions options) {
        return new SymbolResolver() {
          private boolean mapped;

          @Override
          public Frame resolve(long address) {
            if (address < 0) {
              return new Frame(address, "[kernel]", "do_syscall_64", 0x10, true);
            }
            if (mapped && address >= 0x1000 && address < 0x2000) {
              return new Frame(address, "leaky", "fn_" + Long.toHexString(address), 4, false);
            }
            return Frame.unknown(address, false);
          }

          @Override
          public void onModuleMapped(ModuleMapping mapping) {
            mapped = true;
          }

          @Override
          public void close() {}
        };
      }
    };
  }
}
