package io.leakdetector.internal.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.TargetProcess;
import io.leakdetector.spi.HeapEventSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.StreamListener;
import io.leakdetector.testkit.Prerequisite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A session's threads exclude themselves, and the threads they start (as a library under an
 * exporter does) are found in their group and excluded by their kernel thread id.
 */
class DetectorThreadsTest {

  /** Records exclusions; traces nothing. */
  static final class ExcludingSource implements HeapEventSource {
    final List<String> excludedSelves = new CopyOnWriteArrayList<>();
    final List<Integer> excludedTids = new CopyOnWriteArrayList<>();

    @Override
    public TargetProcess target() {
      return new TargetProcess(ProcessHandle.current().pid(), "self");
    }

    @Override
    public void start(HeapEventSink sink, StreamListener listener) {}

    @Override
    public void excludeCurrentThread() {
      excludedSelves.add(Thread.currentThread().getName());
    }

    @Override
    public void excludeThread(int tid) {
      excludedTids.add(tid);
    }

    @Override
    public void close() {}
  }

  /** This thread's kernel id, from {@code /proc/thread-self}. */
  static int tid() throws Exception {
    return Integer.parseInt(
        Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
  }

  @Test
  void threadsStartedBySessionThreadsAreExcludedByTheirKernelId() throws Exception {
    Prerequisite.require(Files.isDirectory(Path.of("/proc/self/task")), "Linux /proc");
    ExcludingSource source = new ExcludingSource();
    DetectorThreads threads = new DetectorThreads(source);
    AtomicInteger libraryTid = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread session =
        threads.newThread(
            () -> {
              // what an HTTP client does for an exporter: a thread of its own, named its way
              Thread library =
                  new Thread(
                      () -> {
                        try {
                          libraryTid.set(tid());
                          started.countDown();
                          done.await();
                        } catch (Exception e) {
                          throw new IllegalStateException(e);
                        }
                      },
                      "HttpClient-77-SelectorManager");
              library.setDaemon(true);
              library.start();
            },
            "leakdetector-report");
    session.start();
    session.join(10_000);
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(source.excludedSelves).containsExactly("leakdetector-report");

    threads.excludeStartedThreads();
    assertThat(source.excludedTids).containsExactly(libraryTid.get());
    assertThat(threads.excludedByName()).isEqualTo(1);
    threads.excludeStartedThreads(); // once only
    assertThat(source.excludedTids).hasSize(1);
    done.countDown();
  }

  @Test
  void threadsSharingANameAreExcludedTogetherUnlessTheApplicationHasOneOfThatName()
      throws Exception {
    Prerequisite.require(Files.isDirectory(Path.of("/proc/self/task")), "Linux /proc");
    ExcludingSource source = new ExcludingSource();
    DetectorThreads threads = new DetectorThreads(source);
    List<Integer> workerTids = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(4);
    CountDownLatch done = new CountDownLatch(1);
    Runnable park =
        () -> {
          try {
            started.countDown();
            done.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    // the application's own thread whose kernel name ("Pool-9-Shared-1") is one of the session's
    Thread app = new Thread(park, "Pool-9-Shared-1-app");
    app.setDaemon(true);
    app.start();
    Thread session =
        threads.newThread(
            () -> {
              for (int i = 0; i < 2; i++) {
                Thread worker =
                    new Thread(
                        () -> {
                          try {
                            workerTids.add(tid());
                          } catch (Exception e) {
                            throw new IllegalStateException(e);
                          }
                          park.run();
                        },
                        "HttpClient-9-Worker-" + i);
                worker.setDaemon(true);
                worker.start();
              }
              Thread shared = new Thread(park, "Pool-9-Shared-1-ours");
              shared.setDaemon(true);
              shared.start();
            },
            "leakdetector-report");
    session.start();
    session.join(10_000);
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    while (workerTids.size() < 2) {
      Thread.sleep(10);
    }
    threads.excludeStartedThreads();
    // both workers ("HttpClient-9-Wo" twice, both ours); not "Pool-9-Shared-1" (the app has one)
    assertThat(source.excludedTids).containsExactlyInAnyOrderElementsOf(workerTids);
    done.countDown();
  }

  @Test
  void aThreadsNameIsCutToTheKernelsFifteenBytes() {
    assertThat(DetectorThreads.comm("HttpClient-1-SelectorManager")).isEqualTo("HttpClient-1-Se");
    assertThat(DetectorThreads.comm("short")).isEqualTo("short");
  }
}
