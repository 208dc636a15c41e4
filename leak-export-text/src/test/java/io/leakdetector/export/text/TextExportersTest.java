package io.leakdetector.export.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporterProvider;
import io.leakdetector.spi.SnapshotExporters;
import io.leakdetector.testkit.Snapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exporters as the command line gets them: by name, through ServiceLoader. */
class TextExportersTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String written() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private SnapshotExporter create(String name, Map<String, String> options)
      throws LeakDetectorException {
    return SnapshotExporters.create(name, new ExporterContext(out, options));
  }

  @Test
  void serviceLoaderFindsBothProvidersByName() {
    List<String> names =
        SnapshotExporters.providers().stream().map(SnapshotExporterProvider::name).toList();
    assertThat(names).contains("text", "collapsed");
    assertThat(SnapshotExporters.providers())
        .allSatisfy(provider -> assertThat(provider.description()).isNotBlank());
  }

  @Test
  void textExporterPrintsTheReport() throws Exception {
    try (SnapshotExporter exporter = create("text", Map.of())) {
      exporter.export(Snapshots.known());
      exporter.export(Snapshots.last("target exited"));
    }
    TextReport report = new TextReport();
    assertThat(written())
        .isEqualTo(
            report.format(Snapshots.known()) + report.format(Snapshots.last("target exited")));
    assertThat(written()).doesNotContain("\033");
  }

  @Test
  void clearOptionClearsTheScreenBeforeEachReport() throws Exception {
    try (SnapshotExporter exporter = create("text", Map.of("clear", "true"))) {
      exporter.export(Snapshots.empty());
      exporter.export(Snapshots.known());
    }
    TextReport report = new TextReport();
    assertThat(written())
        .isEqualTo(
            "\033[H\033[2J"
                + report.format(Snapshots.empty())
                + "\033[H\033[2J"
                + report.format(Snapshots.known()));
  }

  @Test
  void badOptionValueIsOneSentence() {
    assertThatThrownBy(() -> create("text", Map.of("clear", "yes")))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage("Exporter option clear must be true or false, not 'yes'.")
        .extracting(e -> ((LeakDetectorException) e).kind())
        .isEqualTo(LeakDetectorException.Kind.USAGE);
    assertThatThrownBy(() -> create("collapsed", Map.of("collapsed.every", "1")))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage("Exporter option collapsed.every must be true or false, not '1'.");
  }

  @Test
  void collapsedWritesOnlyTheFinalSnapshotByDefault() throws Exception {
    SnapshotExporter exporter = create("collapsed", Map.of());
    exporter.export(Snapshots.inexact());
    exporter.export(Snapshots.known());
    assertThat(written()).isEmpty();
    exporter.export(Snapshots.last("stopped"));
    assertThat(written()).isEqualTo(CollapsedStacks.format(Snapshots.last("stopped")));
    exporter.close();
    assertThat(written()).isEqualTo(CollapsedStacks.format(Snapshots.last("stopped")));
  }

  @Test
  void collapsedWritesTheLastSnapshotOnCloseWhenNoFinalOneCame() throws Exception {
    try (SnapshotExporter exporter = create("collapsed", Map.of())) {
      exporter.export(Snapshots.inexact());
      exporter.export(Snapshots.known());
    }
    assertThat(written()).isEqualTo(CollapsedStacks.format(Snapshots.known()));
  }

  @Test
  void collapsedEveryWritesEachSnapshotFollowedByAnEmptyLine() throws Exception {
    try (SnapshotExporter exporter = create("collapsed", Map.of("collapsed.every", "true"))) {
      exporter.export(Snapshots.inexact());
      exporter.export(Snapshots.known());
    }
    assertThat(written())
        .isEqualTo(
            "Demo.exe!+0x11F0D;ntdll.dll!NtTraceEvent 5040\n"
                + "\n"
                + CollapsedStacks.format(Snapshots.known())
                + "\n");
  }

  @Test
  void servicesFileListsTheSameProvidersAsModuleInfo() throws IOException {
    ModuleDescriptor descriptor = TextReport.class.getModule().getDescriptor();
    assertThat(descriptor).as("tests run on the module path").isNotNull();
    List<String> provided =
        descriptor.provides().stream()
            .filter(p -> p.service().equals(SnapshotExporterProvider.class.getName()))
            .flatMap(p -> p.providers().stream())
            .sorted()
            .toList();
    String services;
    try (InputStream in =
        TextReport.class
            .getModule()
            .getResourceAsStream("META-INF/services/" + SnapshotExporterProvider.class.getName())) {
      assertThat(in).isNotNull();
      services = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(services.lines().map(String::trim).filter(l -> !l.isEmpty()).sorted().toList())
        .isEqualTo(provided)
        .hasSize(2);
  }

  @Test
  void exporterReportsLeaveTheStreamOpen() throws Exception {
    try (SnapshotExporter exporter = create("text", Map.of())) {
      exporter.export(Snapshots.empty());
    }
    out.print("after");
    assertThat(out.checkError()).isFalse();
    assertThat(written()).endsWith("after");
  }
}
