package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import io.leakdetector.cli.e2e.TextReports.Report;
import io.leakdetector.cli.e2e.TextReports.Stack;
import io.leakdetector.export.json.JsonReport;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --format json -o FILE --exporter text} on a traced run: every JSON document validates
 * against the schema the JSON module ships (networknt's validator, format assertions on), and says
 * what the text report of the same snapshot says.
 *
 * <p>All of a run's exporters write to the one output ({@code --output} or standard output), one
 * after the other per snapshot, in the order named: here one JSON line, then the text report. The
 * test takes the k-th document and the k-th text report wherever they were written.
 */
class JsonReportIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static Schema schema;

  @TempDir Path dir;

  @BeforeAll
  static void loadSchema() throws Exception {
    SchemaRegistry registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder ->
                builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    try (InputStream in = JsonReport.openSchema()) {
      schema = registry.getSchema(in);
    }
  }

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
  }

  /** The JSON documents and text reports of one run, in order. */
  private record Written(List<String> documents, List<Report> reports) {}

  @Test
  void everyDocumentOfALiveRunValidatesAndMatchesItsTextReport() throws Exception {
    // A demo leaking every 100 ms, attached while it runs: the snapshots differ from each other.
    try (DemoProcess demo = DemoProcess.start(dir, "--delay-ms", "100")) {
      Written written = traceWithJsonAndText(demo, "-i", "0.5", "-c", "4", "-T", "0");
      assertThat(written.documents()).hasSize(4);
      for (int k = 0; k < 4; k++) {
        JsonNode json = validated(written.documents().get(k));
        assertSameSnapshot(json, written.reports().get(k));
        assertThat(json.get("sequence").longValue()).isEqualTo(k + 1);
        assertThat(json.get("pid").longValue()).isEqualTo(demo.pid());
        assertThat(json.get("processName").textValue()).isEqualTo("demo");
        assertThat(json.get("source").textValue()).isEqualTo("uprobes");
        assertThat(json.get("intervalSeconds").doubleValue()).isEqualTo(0.5);
        assertThat(json.get("final").booleanValue()).isEqualTo(k == 3);
        // -T 0: every stack holding memory is listed, so the stacks add up to the totals.
        JsonNode totals = json.get("totals");
        assertThat(json.get("stacks").size()).isEqualTo(totals.get("stacks").intValue());
        assertThat(sum(json.get("stacks"), "outstandingBytes"))
            .isEqualTo(totals.get("outstandingBytes").longValue());
        assertThat(sum(json.get("stacks"), "outstandingCount"))
            .isEqualTo(totals.get("outstandingCount").longValue());
      }
      assertThat(written.reports().get(3).totals().endReason()).isEqualTo("report count reached");
      JsonNode last = MAPPER.readTree(written.documents().get(3));
      assertThat(last.get("totals").get("outstandingBytes").longValue()).isPositive();
      for (String pattern : DemoRounds.PATTERNS) {
        assertThat(written.documents().get(3)).contains("\"symbol\":\"" + pattern + "\"");
      }
    }
  }

  @Test
  void theDocumentsOfTheHeldDemoHaveItsExactFields() throws Exception {
    try (DemoProcess demo =
        DemoProcess.start(dir, "--rounds", "2", "--delay-ms", "0", "--wait-for-signal", "--hold")) {
      Written written = traceWithJsonAndText(demo, "-i", "1", "-c", "2", "--wait-for-rounds");
      assertThat(written.documents()).hasSize(2);
      for (int k = 0; k < 2; k++) {
        JsonNode json = validated(written.documents().get(k));
        assertSameSnapshot(json, written.reports().get(k));
        DemoRounds.assertExact(written.reports().get(k), 2);
        JsonNode totals = json.get("totals");
        // What only the JSON document shows: all allocations and frees of the process.
        assertThat(totals.get("allocCount").longValue()).isEqualTo(DemoRounds.allocations(2));
        assertThat(totals.get("freeCount").longValue()).isEqualTo(DemoRounds.frees(2));
        assertThat(totals.get("allocBytes").longValue()).isEqualTo(DemoRounds.allocatedBytes(2));
        assertThat(totals.get("freeBytes").longValue()).isEqualTo(DemoRounds.freedBytes(2));
        assertThat(totals.get("outstandingCount").longValue()).isEqualTo(120);
        assertThat(totals.get("outstandingBytes").longValue()).isEqualTo(20880);
        assertThat(json.get("exact").booleanValue()).isTrue();
        assertThat(json.get("impliedFrees").longValue()).isZero();
        assertThat(json.get("droppedAllocations").longValue()).isZero();
        for (JsonNode stack : json.get("stacks")) {
          String function = stack.get("frames").get(0).get("symbol").textValue();
          DemoRounds.Pattern pattern =
              DemoRounds.after(2).stream()
                  .filter(p -> p.function().equals(function))
                  .findFirst()
                  .orElseThrow(() -> new AssertionError("a stack of " + function));
          assertThat(stack.get("outstandingCount").longValue())
              .isEqualTo(pattern.outstandingCount());
          assertThat(stack.get("outstandingBytes").longValue())
              .isEqualTo(pattern.outstandingBytes());
          assertThat(stack.get("frames").get(0).get("module").textValue()).isEqualTo("demo");
        }
      }
      demo.runRound(3);
    }
  }

  /**
   * Traces {@code demo} with {@code --format json -o FILE --exporter text} and the given options
   * ({@code --wait-for-rounds}, not passed on, means: start the held demo's rounds once tracing is
   * on) and returns what was written.
   */
  private Written traceWithJsonAndText(DemoProcess demo, String... options) throws Exception {
    Path file = dir.resolve("reports.ndjson");
    List<String> args =
        new ArrayList<>(
            List.of(
                "-p",
                Long.toString(demo.pid()),
                "--format",
                "json",
                "-o",
                file.toString(),
                "--exporter",
                "text"));
    boolean startRounds = false;
    for (String option : options) {
      if (option.equals("--wait-for-rounds")) {
        startRounds = true;
      } else {
        args.add(option);
      }
    }
    try (Tool tool = Tool.start(dir, Map.of(), args.toArray(String[]::new))) {
      tool.awaitTracing("uprobes");
      if (startRounds) {
        demo.signal("USR1");
      }
      Tool.Finished run = tool.awaitExit(60);
      assertThat(run.exitCode()).as(run.err()).isZero();
      String written = Files.readString(file, StandardCharsets.UTF_8) + run.out();
      List<String> documents = written.lines().filter(line -> line.startsWith("{")).toList();
      List<Report> reports = TextReports.parse(written);
      assertThat(reports).as("one text report per JSON document").hasSize(documents.size());
      return new Written(documents, reports);
    }
  }

  private static JsonNode validated(String document) throws Exception {
    assertThat(schema.validate(document, InputFormat.JSON).stream().map(Object::toString))
        .as(document)
        .isEmpty();
    return MAPPER.readTree(document);
  }

  /** Every field the text report shows equals the JSON document's. */
  private static void assertSameSnapshot(JsonNode json, Report text) {
    String context = json + "\n" + text;
    Instant time = Instant.parse(json.get("time").textValue());
    assertThat(text.time())
        .as(context)
        .isEqualTo(
            DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)
                .withZone(ZoneId.systemDefault())
                .format(time));
    JsonNode totals = json.get("totals");
    TextReports.Totals shown = text.totals();
    assertThat(shown.outstandingBytes())
        .as(context)
        .isEqualTo(totals.get("outstandingBytes").longValue());
    assertThat(shown.outstandingCount())
        .as(context)
        .isEqualTo(totals.get("outstandingCount").longValue());
    assertThat(shown.stacks()).as(context).isEqualTo(totals.get("stacks").longValue());
    assertThat(shown.lostEvents()).as(context).isEqualTo(json.get("lostEvents").longValue());
    assertThat(shown.lostEventsInInterval())
        .as(context)
        .isEqualTo(json.get("lostEventsInInterval").longValue());
    assertThat(shown.unmatchedFrees())
        .as(context)
        .isEqualTo(json.get("unmatchedFrees").longValue());
    assertThat(text.totalsLine().contains("; inexact: "))
        .as(context)
        .isEqualTo(!json.get("exact").booleanValue());
    assertThat(shown.isFinal()).as(context).isEqualTo(json.get("final").booleanValue());
    assertThat(shown.endReason()).as(context).isEqualTo(json.get("endReason").textValue());

    JsonNode stacks = json.get("stacks");
    assertThat(text.stacks()).as(context).hasSize(stacks.size());
    for (int s = 0; s < stacks.size(); s++) {
      JsonNode stack = stacks.get(s);
      Stack block = text.stacks().get(s);
      assertThat(block.allocCount()).as(context).isEqualTo(stack.get("allocCount").longValue());
      assertThat(block.freeCount()).as(context).isEqualTo(stack.get("freeCount").longValue());
      assertThat(block.allocSize()).as(context).isEqualTo(stack.get("allocBytes").longValue());
      assertThat(block.freeSize()).as(context).isEqualTo(stack.get("freeBytes").longValue());
      assertThat(stack.get("outstandingCount").longValue())
          .isEqualTo(block.allocCount() - block.freeCount());
      assertThat(stack.get("outstandingBytes").longValue())
          .isEqualTo(block.allocSize() - block.freeSize());
      List<String> frameTexts = new ArrayList<>();
      for (JsonNode frame : stack.get("frames")) {
        frameTexts.add(frame.get("text").textValue());
        if (!frame.get("function").isNull()) {
          String where =
              frame.get("file").isNull()
                  ? ""
                  : " ("
                      + frame.get("file").textValue()
                      + (frame.get("line").isNull() ? "" : ":" + frame.get("line").intValue())
                      + ")";
          assertThat(frame.get("text").textValue())
              .isEqualTo(
                  frame.get("module").textValue()
                      + "!"
                      + frame.get("function").textValue()
                      + (frame.get("inlined").booleanValue()
                          ? " [inlined]"
                          : "+0x"
                              + Long.toHexString(frame.get("offset").longValue())
                                  .toUpperCase(Locale.ROOT))
                      + where);
        }
      }
      assertThat(block.frames()).as(context).isEqualTo(frameTexts);
    }
  }

  private static long sum(JsonNode stacks, String field) {
    long sum = 0;
    for (JsonNode stack : stacks) {
      sum += stack.get(field).longValue();
    }
    return sum;
  }
}
