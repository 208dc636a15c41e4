/**
 * One JSON document per snapshot, one per line (NDJSON), written with Jackson's streaming
 * generator. {@link io.leakdetector.export.json.JsonReport} formats a snapshot without
 * ServiceLoader and gives the JSON Schema of the documents; the exporter {@code json} is found by
 * {@link java.util.ServiceLoader}.
 */
module io.leakdetector.export.json {
  requires transitive io.leakdetector.api; // its exported classes take LeakSnapshot
  requires com.fasterxml.jackson.core;

  exports io.leakdetector.export.json;

  provides io.leakdetector.spi.SnapshotExporterProvider with
      io.leakdetector.export.json.internal.JsonExporterProvider;
}
