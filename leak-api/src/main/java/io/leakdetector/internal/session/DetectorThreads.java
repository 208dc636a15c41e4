package io.leakdetector.internal.session;

import io.leakdetector.spi.HeapEventSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The threads of a session, in a thread group of their own: each excludes itself from tracing
 * before it runs anything, and the threads they start in turn (a library's: the JDK HTTP client's
 * selector thread under the OpenTelemetry exporter, the Prometheus endpoint's server) land in the
 * same group, from where {@link #excludeStartedThreads()} excludes them by their kernel thread id —
 * found through {@code /proc/self/task/TID/comm}, the first 15 bytes of the thread's name, when the
 * process's threads of that name not yet excluded are as many as the group's. Only a session
 * tracing its own JVM needs this.
 */
final class DetectorThreads {
  private static final Path TASKS = Path.of("/proc/self/task");
  private static final int COMM_BYTES = 15;

  private final HeapEventSource source;
  private final ThreadGroup group = new ThreadGroup("leakdetector");
  private final Set<Thread> known = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Set<Integer> excludedTids = new java.util.HashSet<>();
  private long excludedByName;

  DetectorThreads(HeapEventSource source) {
    this.source = source;
  }

  /** A daemon thread of the session that excludes itself first thing. */
  synchronized Thread newThread(Runnable r, String name) {
    Thread t =
        new Thread(
            group,
            () -> {
              source.excludeCurrentThread();
              r.run();
            },
            name);
    t.setDaemon(true);
    known.add(t);
    return t;
  }

  /**
   * Excludes the threads that the session's threads started and that are not excluded yet; called
   * on the reporting thread after the exporters ran (they start their libraries' threads then).
   */
  synchronized void excludeStartedThreads() {
    Thread[] threads = new Thread[group.activeCount() + 8];
    int n = group.enumerate(threads, true);
    List<Thread> started = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!known.contains(threads[i])) {
        started.add(threads[i]);
      }
    }
    if (started.isEmpty()) {
      return;
    }
    List<int[]> tids = new ArrayList<>();
    List<String> comms = new ArrayList<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        int tid = Integer.parseInt(task.getFileName().toString());
        if (excludedTids.contains(tid)) {
          continue;
        }
        try {
          comms.add(Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip());
          tids.add(new int[] {tid});
        } catch (IOException e) {
          // the thread ended while listed
        }
      }
    } catch (IOException | RuntimeException e) {
      return; // not Linux: nothing to exclude by id
    }
    // by name: all the process's threads of a name are excluded when all of them are the
    // session's (an HTTP client's workers share "HttpClient-2-Wo"); none where the application
    // has one of that name too
    java.util.Map<String, List<Thread>> byComm = new java.util.HashMap<>();
    for (Thread thread : started) {
      byComm.computeIfAbsent(comm(thread.getName()), c -> new ArrayList<>()).add(thread);
    }
    byComm.forEach(
        (comm, ours) -> {
          List<Integer> matching = new ArrayList<>();
          for (int i = 0; i < comms.size(); i++) {
            if (comms.get(i).equals(comm)) {
              matching.add(tids.get(i)[0]);
            }
          }
          if (matching.size() == ours.size()) {
            for (int tid : matching) {
              source.excludeThread(tid);
              excludedTids.add(tid);
              excludedByName++;
            }
            known.addAll(ours);
          }
        });
  }

  /** How many threads the session's threads started were excluded by their name. */
  synchronized long excludedByName() {
    return excludedByName;
  }

  /** The kernel's copy of a thread's name: its first 15 bytes. */
  static String comm(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    return bytes.length <= COMM_BYTES
        ? name
        : new String(bytes, 0, COMM_BYTES, StandardCharsets.UTF_8).replace("\uFFFD", "");
  }
}
