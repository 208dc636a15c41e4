package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.uprobes.linux.LinuxC;
import java.util.List;

/**
 * Closes many uprobe event descriptors. The kernel waits for an RCU grace period as it destroys
 * each uprobe PMU event (0.07 to 1.5 s each on the machine measured, more under load); concurrent
 * waits share grace periods, so one closing thread per descriptor (up to 64) makes the whole close
 * take about as long as the slowest single one.
 */
final class Closer {
  private Closer() {}

  static void closeInParallel(List<Integer> fds) {
    int workers = Math.min(64, Math.max(1, fds.size()));
    Thread[] closers = new Thread[workers];
    for (int w = 0; w < workers; w++) {
      int first = w;
      closers[w] =
          new Thread(
              () -> {
                for (int i = first; i < fds.size(); i += workers) {
                  closeQuietly(fds.get(i));
                }
              },
              "leakdetector-uprobes-close-" + w);
      closers[w].start();
    }
    for (Thread t : closers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits (at most 10 s) for a reader thread to end; not for the calling thread itself. */
  static void join(Thread thread) {
    if (thread == null || thread == Thread.currentThread()) {
      return;
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void closeQuietly(int fd) {
    try {
      LinuxC.close(fd);
    } catch (LastErrorException e) {
      // already closed
    }
  }
}
