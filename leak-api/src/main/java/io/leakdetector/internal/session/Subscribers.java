package io.leakdetector.internal.session;

import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Who gets a session's snapshots: its exporters first, then the subscribers in the order they came.
 * One that throws is logged and skipped for that snapshot; the others still get it.
 */
final class Subscribers {
  private static final System.Logger LOG = System.getLogger(Subscribers.class.getName());

  private final List<SnapshotExporter> exporters;
  private final List<Consumer<LeakSnapshot>> consumers = new CopyOnWriteArrayList<>();

  Subscribers(List<SnapshotExporter> exporters) {
    this.exporters = List.copyOf(exporters);
    for (SnapshotExporter exporter : exporters) {
      consumers.add(exporter::export);
    }
  }

  void add(Consumer<LeakSnapshot> consumer) {
    consumers.add(consumer);
  }

  void deliver(LeakSnapshot snapshot) {
    for (Consumer<LeakSnapshot> consumer : consumers) {
      try {
        consumer.accept(snapshot);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a snapshot subscriber failed: " + e, e);
      }
    }
  }

  /** Closes every exporter; one that throws is logged and the others are still closed. */
  void closeExporters() {
    for (SnapshotExporter exporter : exporters) {
      try {
        exporter.close();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "closing an exporter failed: " + e, e);
      }
    }
  }
}
