package io.leakdetector.etw;

import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinError;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import io.leakdetector.etw.win32.Kernel32Ex;
import java.util.function.IntConsumer;

/**
 * Waits on the target's process handle (opened with SYNCHRONIZE) and reports its exit code. The
 * heap session itself never ends when the target exits, so this is what stops it. Waits in short
 * slices so that {@link #stop()} takes effect promptly.
 */
final class ProcessWatcher {
  private final Kernel32Ex kernel32;
  private final HANDLE process;
  private final IntConsumer onExit;
  private final int sliceMillis;
  private volatile boolean stopped;
  private Thread thread;

  ProcessWatcher(Kernel32Ex kernel32, HANDLE process, IntConsumer onExit, int sliceMillis) {
    this.kernel32 = kernel32;
    this.process = process;
    this.onExit = onExit;
    this.sliceMillis = sliceMillis;
  }

  synchronized void start() {
    thread = new Thread(this::run, "leakdetector-etw-target-watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (!stopped) {
      int result = kernel32.WaitForSingleObject(process, sliceMillis);
      if (result == WinBase.WAIT_OBJECT_0) {
        IntByReference code = new IntByReference(-1);
        int exitCode = kernel32.GetExitCodeProcess(process, code) ? code.getValue() : -1;
        if (!stopped) {
          onExit.accept(exitCode);
        }
        return;
      }
      if (result != WinError.WAIT_TIMEOUT) {
        return;
      }
    }
  }

  void stop() {
    stopped = true;
  }

  synchronized boolean isWatcherThread(Thread candidate) {
    return thread == candidate;
  }

  /** Waits for the watcher thread; true when it has ended (or never started, or is the caller). */
  boolean join(long millis) throws InterruptedException {
    Thread watcher;
    synchronized (this) {
      watcher = thread;
    }
    if (watcher == null || watcher == Thread.currentThread()) {
      return true;
    }
    watcher.join(millis);
    return !watcher.isAlive();
  }
}
