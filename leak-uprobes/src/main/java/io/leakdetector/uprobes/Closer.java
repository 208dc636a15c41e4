package io.leakdetector.uprobes;

import com.sun.jna.LastErrorException;
import io.leakdetector.uprobes.linux.LinuxC;
import java.util.List;

/**
 * Closes many uprobe event descriptors. The kernel destroys each uprobe PMU event under a global
 * mutex and waits for an RCU grace period (about 0.1 s each on the machine measured); a few closing
 * threads overlap the waits.
 */
final class Closer {
  private Closer() {}

  static void closeInParallel(List<Integer> fds) {
    int workers = Math.min(8, Math.max(1, fds.size() / 4));
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

  static void closeQuietly(int fd) {
    try {
      LinuxC.close(fd);
    } catch (LastErrorException e) {
      // already closed
    }
  }
}
