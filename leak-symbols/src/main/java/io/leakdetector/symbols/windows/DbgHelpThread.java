package io.leakdetector.symbols.windows;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The one thread every dbghelp call runs on: DbgHelp is single-threaded, and the resolver may be
 * called from the session's snapshot thread and closed from another.
 */
final class DbgHelpThread implements AutoCloseable {
  private final ExecutorService executor;
  private volatile Thread thread;

  DbgHelpThread() {
    executor =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread created = new Thread(task, "leakdetector-dbghelp");
              created.setDaemon(true);
              thread = created;
              return created;
            });
  }

  /** Runs {@code call} on the dbghelp thread and returns its result. */
  <T> T call(Callable<T> call) {
    if (Thread.currentThread() == thread) {
      try {
        return call.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    Future<T> result = executor.submit(call);
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for dbghelp", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Runs {@code action} on the dbghelp thread. */
  void run(Runnable action) {
    call(
        () -> {
          action.run();
          return null;
        });
  }

  /** Queues {@code action} for the dbghelp thread without waiting; ignored once closed. */
  void submit(Runnable action) {
    try {
      executor.execute(action);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the resolver is closing; nothing more is loaded
    }
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
