package io.leakdetector.symbols.linux;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The debuginfod lookups of one resolver, in the background: one daemon thread, started on the
 * first download and gone when idle, works through a bounded queue. Nothing here blocks a caller on
 * the network: {@link #request} answers at once with a future, complete already when the file is in
 * the cache (or its lookup ended before), else completed by the thread.
 *
 * <p>Each build id is looked up once per resolver: a file no server has, or a failed download, is
 * remembered, not asked for again. The first failure is logged as a warning, each later one at
 * debug level, so an absent server gives one line, not one per module.
 */
final class DebugFileDownloads implements AutoCloseable {
  /** Lookups waiting for the thread at most; a process has far fewer modules. */
  static final int MAX_QUEUED = 1024;

  private static final CompletableFuture<Optional<Path>> NONE =
      CompletableFuture.completedFuture(Optional.empty());

  private static final DebugFileDownloads OFF = new DebugFileDownloads(null, null);

  private final DebuginfodClient client;
  private final System.Logger log;
  private final Map<String, CompletableFuture<Optional<Path>>> lookups = new HashMap<>();
  private ThreadPoolExecutor executor;
  private boolean warned;
  private boolean announced;
  private boolean closed;

  private DebugFileDownloads(DebuginfodClient client, System.Logger log) {
    this.client = client;
    this.log = log;
  }

  /** No network lookups: every request is answered at once with no file. */
  static DebugFileDownloads off() {
    return OFF;
  }

  /** Lookups through {@code client}, failures logged to {@code log}. */
  static DebugFileDownloads using(DebuginfodClient client, System.Logger log) {
    return new DebugFileDownloads(client, log);
  }

  /** Whether lookups go to the network at all. */
  boolean enabled() {
    return client != null;
  }

  /**
   * The separate debug file of this build id. The future is complete at once when the file is in
   * the cache, when lookups are off, or when this build id was looked up before; else the lookup is
   * queued and the future completes when it ends. It never completes exceptionally: empty means no
   * file (not found, failed, the queue full, or this object closed).
   */
  synchronized CompletableFuture<Optional<Path>> request(String buildId) {
    if (client == null || closed || !DebuginfodCache.isBuildId(buildId)) {
      return NONE;
    }
    CompletableFuture<Optional<Path>> known = lookups.get(buildId);
    if (known != null) {
      return known;
    }
    Optional<Path> cached = client.cached(buildId);
    if (cached.isPresent()) {
      CompletableFuture<Optional<Path>> done = CompletableFuture.completedFuture(cached);
      lookups.put(buildId, done);
      return done;
    }
    CompletableFuture<Optional<Path>> lookup = new CompletableFuture<>();
    lookups.put(buildId, lookup);
    announce();
    try {
      executor().execute(() -> lookup.complete(fetch(buildId)));
    } catch (RejectedExecutionException e) {
      failed(buildId, "more than " + MAX_QUEUED + " lookups are waiting");
      lookup.complete(Optional.empty());
    }
    return lookup;
  }

  /** Stops the thread (a download under way is abandoned, its partial file removed). */
  @Override
  public void close() {
    ThreadPoolExecutor running;
    synchronized (this) {
      if (client == null || closed) {
        return;
      }
      closed = true;
      running = executor;
      lookups.values().forEach(f -> f.complete(Optional.empty()));
    }
    if (running != null) {
      running.shutdownNow();
    }
  }

  private Optional<Path> fetch(String buildId) {
    try {
      Optional<Path> file = client.fetch(buildId);
      if (file.isEmpty()) {
        log.log(Level.DEBUG, "debuginfod: no server has the debug file of build id " + buildId);
      }
      return file;
    } catch (IOException | RuntimeException e) {
      failed(buildId, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closed: the thread ends
    }
    return Optional.empty();
  }

  private synchronized void failed(String buildId, String reason) {
    String message = "debuginfod: no debug file for build id " + buildId + ": " + reason;
    if (!warned) {
      warned = true;
      log.log(
          Level.WARNING,
          message
              + " (its module's frames are named from what this machine has; further failures are"
              + " logged at debug level)");
    } else {
      log.log(Level.DEBUG, message);
    }
  }

  private void announce() {
    if (!announced) {
      announced = true;
      log.log(
          Level.INFO,
          "debuginfod: fetching the debug files missing here from "
              + client.settings().servers().stream()
                  .map(Object::toString)
                  .collect(Collectors.joining(" "))
              + " in the background, into "
              + client.settings().cache());
    }
  }

  private ThreadPoolExecutor executor() {
    if (executor == null) {
      executor =
          new ThreadPoolExecutor(
              1,
              1,
              30,
              TimeUnit.SECONDS,
              new ArrayBlockingQueue<>(MAX_QUEUED),
              r -> {
                Thread t = new Thread(r, "leakdetector-debuginfod");
                t.setDaemon(true);
                return t;
              });
      executor.allowCoreThreadTimeOut(true);
    }
    return executor;
  }
}
