package io.leakdetector.etw.decode;

import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.StreamListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The processes whose events are the target's: the target itself and, when following is on (launch
 * through Image File Execution Options, where a command that starts itself again must still be
 * traced), the descendants that log heap events. A descendant is a candidate from its process-start
 * event; it becomes traced with its first heap event (with IFEO only processes of the traced
 * program log them), and the modules it loaded meanwhile are reported then. Read on the heap
 * consumer's thread without locking; changed under this object's lock.
 */
public final class TracedProcesses {
  /** Module loads kept per candidate until it is traced or ends. */
  static final int MAX_PENDING_MODULES = 512;

  private final boolean follow;
  private final StreamListener listener;
  private volatile long[] traced;
  private final Map<Long, List<ModuleMapping>> candidates = new HashMap<>();

  /**
   * @param listener told of the modules of each traced process
   */
  public TracedProcesses(long target, boolean follow, StreamListener listener) {
    this.traced = new long[] {target};
    this.follow = follow;
    this.listener = listener;
  }

  /** Whether {@code pid}'s events are traced now (no side effects). */
  public boolean contains(long pid) {
    for (long p : traced) {
      if (p == pid) {
        return true;
      }
    }
    return false;
  }

  /** For a heap event of {@code pid}: whether it is traced, making a candidate traced. */
  public boolean acceptHeapEvent(long pid) {
    if (contains(pid)) {
      return true;
    }
    if (!follow) {
      return false;
    }
    List<ModuleMapping> loaded;
    synchronized (this) {
      loaded = candidates.remove(pid);
      if (loaded == null) {
        return false;
      }
      long[] grown = java.util.Arrays.copyOf(traced, traced.length + 1);
      grown[traced.length] = pid;
      traced = grown;
    }
    for (ModuleMapping mapping : loaded) {
      listener.onModuleMapped(mapping);
    }
    return true;
  }

  /** A process started: a child of a traced process or candidate becomes a candidate. */
  public synchronized void onProcessStart(long pid, long parent) {
    if (follow && (contains(parent) || candidates.containsKey(parent))) {
      candidates.put(pid, new ArrayList<>());
    }
  }

  /** A module loaded by {@code pid}: reported now if traced, kept if a candidate. */
  public void onModuleLoaded(long pid, ModuleMapping mapping) {
    if (contains(pid)) {
      listener.onModuleMapped(mapping);
      return;
    }
    synchronized (this) {
      List<ModuleMapping> pending = candidates.get(pid);
      if (pending != null && pending.size() < MAX_PENDING_MODULES) {
        pending.add(mapping);
      }
    }
  }

  /** A candidate that ended without heap events is forgotten. */
  public synchronized void onProcessEnd(long pid) {
    candidates.remove(pid);
  }

  /** How many processes are traced (the target and followed descendants). */
  public int tracedCount() {
    return traced.length;
  }
}
