package io.leakdetector.export.json.internal;

import io.leakdetector.SnapshotExporter;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporterProvider;

/** The {@code json} exporter: one JSON document per report, one per line (NDJSON). */
public final class JsonExporterProvider implements SnapshotExporterProvider {

  @Override
  public String name() {
    return "json";
  }

  @Override
  public String description() {
    return "one JSON document per report, one per line (NDJSON)";
  }

  @Override
  public SnapshotExporter create(ExporterContext context) {
    return new JsonExporter(context.out());
  }
}
