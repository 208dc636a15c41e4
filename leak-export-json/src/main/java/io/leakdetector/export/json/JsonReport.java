package io.leakdetector.export.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackEnd;
import io.leakdetector.StackReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Writes a snapshot as one JSON document on one line, in the layout of {@link #SCHEMA_RESOURCE}
 * (JSON Schema draft 2020-12, also readable through {@link #openSchema()}). Field order is fixed;
 * the text is UTF-8 without any line break inside.
 *
 * <p>Example (wrapped here):
 *
 * <pre>{@code
 * {"time":"2026-11-26T18:26:32.250Z","sequence":3,"pid":4242,"processName":"Demo.exe",
 *  "source":"etw","intervalSeconds":5,"final":false,"endReason":"","exact":true,
 *  "totals":{"allocCount":30,"freeCount":0,"allocBytes":5040,"freeBytes":0,
 *            "outstandingCount":30,"outstandingBytes":5040,"stacks":1},
 *  "lostEvents":0,"lostEventsInInterval":0,"unmatchedFrees":0,"impliedFrees":0,
 *  "droppedAllocations":0,"inexactCauses":{},"sourceCounters":{},
 *  "stacks":[{"id":7,"allocCount":30,"freeCount":0,"allocBytes":5040,"freeBytes":0,
 *             "outstandingCount":30,"outstandingBytes":5040,"growthCount":30,"growthBytes":5040,
 *             "frames":[{"address":"0x7ffe1234000c","module":"ntdll.dll","symbol":"NtTraceEvent",
 *                        "offset":12,"text":"ntdll.dll!NtTraceEvent+0xC","kernel":false,
 *                        "function":"NtTraceEvent","file":null,"line":null,"inlined":false,
 *                        "stackEnd":null}]}]}
 * }</pre>
 *
 * <p>When the session splits stacks by thread each stack has {@code "threadName"} after {@code
 * "growthBytes"}; when a thread filter left allocations out, {@code "filteredAllocations"} follows
 * {@code "droppedAllocations"}. Neither is written otherwise.
 */
public final class JsonReport {

  /** The JSON Schema of the documents, a resource of this class's package. */
  public static final String SCHEMA_RESOURCE = "snapshot.schema.json";

  private static final JsonFactory FACTORY =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private JsonReport() {}

  /** The document of {@code snapshot}, without a line end. */
  public static String format(LeakSnapshot snapshot) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
    write(snapshot, bytes);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /**
   * Writes the document of {@code snapshot} to {@code out} as UTF-8, without a line end. The stream
   * is neither flushed nor closed.
   *
   * @throws UncheckedIOException when {@code out} fails
   */
  public static void write(LeakSnapshot snapshot, OutputStream out) {
    try (JsonGenerator json = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      writeSnapshot(json, snapshot);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens the JSON Schema the documents follow. The caller closes the stream. */
  public static InputStream openSchema() {
    InputStream in = JsonReport.class.getResourceAsStream(SCHEMA_RESOURCE);
    if (in == null) {
      throw new IllegalStateException("The resource " + SCHEMA_RESOURCE + " is missing.");
    }
    return in;
  }

  private static void writeSnapshot(JsonGenerator json, LeakSnapshot snapshot) throws IOException {
    EventCounts counts = snapshot.counts();
    json.writeStartObject();
    json.writeStringField("time", TIME.format(snapshot.time()));
    json.writeNumberField("sequence", snapshot.sequence());
    json.writeNumberField("pid", snapshot.target().pid());
    json.writeStringField("processName", snapshot.target().name());
    json.writeStringField("source", snapshot.source());
    json.writeStringField("sourceDesign", snapshot.sourceDesign());
    writeSeconds(json, "intervalSeconds", snapshot.interval());
    json.writeBooleanField("final", snapshot.last());
    json.writeStringField("endReason", snapshot.endReason());
    json.writeBooleanField("exact", counts.exact());
    writeTotals(json, snapshot.totals());
    json.writeNumberField("lostEvents", counts.lostEvents());
    json.writeNumberField("lostEventsInInterval", counts.lostEventsInInterval());
    json.writeNumberField("unmatchedFrees", counts.unmatchedFrees());
    json.writeNumberField("impliedFrees", counts.impliedFrees());
    json.writeNumberField("droppedAllocations", counts.droppedAllocations());
    if (counts.filteredAllocations() > 0) {
      json.writeNumberField("filteredAllocations", counts.filteredAllocations());
    }
    json.writeObjectFieldStart("inexactCauses");
    for (Map.Entry<String, Long> cause : counts.sourceCauses().entrySet()) {
      json.writeNumberField(cause.getKey(), cause.getValue());
    }
    json.writeEndObject();
    json.writeObjectFieldStart("sourceCounters");
    for (Map.Entry<String, Long> counter : new TreeMap<>(snapshot.sourceCounters()).entrySet()) {
      json.writeNumberField(counter.getKey(), counter.getValue());
    }
    json.writeEndObject();
    json.writeArrayFieldStart("stacks");
    for (StackReport stack : snapshot.stacks()) {
      writeStack(json, stack);
    }
    json.writeEndArray();
    json.writeEndObject();
  }

  /** Whole seconds as an integer, anything finer as a decimal number of seconds. */
  private static void writeSeconds(JsonGenerator json, String name, Duration duration)
      throws IOException {
    if (duration.getNano() == 0) {
      json.writeNumberField(name, duration.getSeconds());
    } else {
      BigDecimal seconds =
          BigDecimal.valueOf(duration.getSeconds())
              .add(BigDecimal.valueOf(duration.getNano(), 9))
              .stripTrailingZeros();
      json.writeNumberField(name, seconds);
    }
  }

  private static void writeTotals(JsonGenerator json, HeapTotals totals) throws IOException {
    json.writeObjectFieldStart("totals");
    json.writeNumberField("allocCount", totals.allocCount());
    json.writeNumberField("freeCount", totals.freeCount());
    json.writeNumberField("allocBytes", totals.allocBytes());
    json.writeNumberField("freeBytes", totals.freeBytes());
    json.writeNumberField("outstandingCount", totals.outstandingCount());
    json.writeNumberField("outstandingBytes", totals.outstandingBytes());
    json.writeNumberField("stacks", totals.stacks());
    json.writeEndObject();
  }

  private static void writeStack(JsonGenerator json, StackReport stack) throws IOException {
    json.writeStartObject();
    json.writeNumberField("id", stack.id());
    json.writeNumberField("allocCount", stack.allocCount());
    json.writeNumberField("freeCount", stack.freeCount());
    json.writeNumberField("allocBytes", stack.allocBytes());
    json.writeNumberField("freeBytes", stack.freeBytes());
    json.writeNumberField("outstandingCount", stack.outstandingCount());
    json.writeNumberField("outstandingBytes", stack.outstandingBytes());
    json.writeNumberField("growthCount", stack.growthCount());
    json.writeNumberField("growthBytes", stack.growthBytes());
    if (stack.threadName() != null) {
      json.writeStringField("threadName", stack.threadName());
    }
    json.writeArrayFieldStart("frames");
    for (Frame frame : stack.frames()) {
      writeFrame(json, frame);
    }
    json.writeEndArray();
    json.writeEndObject();
  }

  private static void writeFrame(JsonGenerator json, Frame frame) throws IOException {
    json.writeStartObject();
    json.writeStringField("address", "0x" + Long.toHexString(frame.address()));
    json.writeStringField("module", nullIfEmpty(frame.module()));
    json.writeStringField("symbol", nullIfEmpty(frame.symbol()));
    json.writeNumberField("offset", frame.offset());
    json.writeStringField("text", frame.text());
    json.writeBooleanField("kernel", frame.kernel());
    json.writeStringField("function", nullIfEmpty(frame.function()));
    json.writeStringField("file", nullIfEmpty(frame.file()));
    if (frame.line() > 0) {
      json.writeNumberField("line", frame.line());
    } else {
      json.writeNullField("line");
    }
    json.writeBooleanField("inlined", frame.inlined());
    Optional<StackEnd> end = frame.stackEnd();
    json.writeStringField("stackEnd", end.isPresent() ? stackEndName(end.get()) : null);
    json.writeEndObject();
  }

  /** The value of {@code stackEnd} for {@code end}: its name in lower case, {@code depth_limit}. */
  public static String stackEndName(StackEnd end) {
    return end.name().toLowerCase(Locale.ROOT);
  }

  /** An empty name is no name; the schema says null for that. */
  private static String nullIfEmpty(String name) {
    return name == null || name.isEmpty() ? null : name;
  }
}
