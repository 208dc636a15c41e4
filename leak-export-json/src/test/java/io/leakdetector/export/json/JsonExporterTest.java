package io.leakdetector.export.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporterProvider;
import io.leakdetector.spi.SnapshotExporters;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code json} exporter as the command line gets it: by name, through ServiceLoader. */
class JsonExporterTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  @Test
  void writesOneValidDocumentPerLine() throws Exception {
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    List<LeakSnapshot> snapshots = JsonSnapshots.fixed();
    try (SnapshotExporter exporter =
        SnapshotExporters.create("json", new ExporterContext(out, Map.of()))) {
      for (LeakSnapshot snapshot : snapshots) {
        exporter.export(snapshot);
      }
    }
    String written = bytes.toString(StandardCharsets.UTF_8);
    assertThat(written).endsWith("\n");
    List<String> lines = written.lines().toList();
    assertThat(lines).hasSize(snapshots.size());
    ObjectMapper mapper = new ObjectMapper();
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).isEqualTo(JsonReport.format(snapshots.get(i)));
      assertThat(SchemaValidator.errors(lines.get(i))).isEmpty();
      assertThat(mapper.readTree(lines.get(i)).get("sequence").longValue())
          .isEqualTo(snapshots.get(i).sequence());
    }
  }

  @Test
  void writesUtf8WhateverTheStreamCharset() throws Exception {
    PrintStream latin1 = new PrintStream(bytes, true, StandardCharsets.ISO_8859_1);
    LeakSnapshot snapshot = JsonSnapshots.random(new java.util.Random(7));
    String expected = JsonReport.format(snapshot) + "\n";
    try (SnapshotExporter exporter =
        SnapshotExporters.create("json", new ExporterContext(latin1, Map.of()))) {
      exporter.export(snapshot);
    }
    assertThat(bytes.toByteArray()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
    latin1.print("after");
    assertThat(latin1.checkError()).as("the stream stays open").isFalse();
  }

  @Test
  void providerIsFoundByName() {
    assertThat(SnapshotExporters.providers())
        .filteredOn(provider -> provider.name().equals("json"))
        .singleElement()
        .satisfies(provider -> assertThat(provider.description()).contains("NDJSON"));
  }

  @Test
  void servicesFileListsTheSameProviderAsModuleInfo() throws Exception {
    ModuleDescriptor descriptor = JsonReport.class.getModule().getDescriptor();
    assertThat(descriptor).as("tests run on the module path").isNotNull();
    List<String> provided =
        descriptor.provides().stream()
            .filter(p -> p.service().equals(SnapshotExporterProvider.class.getName()))
            .flatMap(p -> p.providers().stream())
            .toList();
    try (InputStream in =
        JsonReport.class
            .getModule()
            .getResourceAsStream("META-INF/services/" + SnapshotExporterProvider.class.getName())) {
      assertThat(in).isNotNull();
      String services = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(services.lines().map(String::trim).filter(l -> !l.isEmpty()).toList())
          .isEqualTo(provided)
          .hasSize(1);
    }
  }
}
