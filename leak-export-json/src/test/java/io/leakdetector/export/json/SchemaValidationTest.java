package io.leakdetector.export.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackEnd;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every document the exporter writes follows the schema, and the schema rejects others. */
class SchemaValidationTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void fixedSnapshotsValidate() {
    for (LeakSnapshot snapshot : JsonSnapshots.fixed()) {
      String document = JsonReport.format(snapshot);
      assertThat(SchemaValidator.errors(document)).as(document).isEmpty();
    }
  }

  @Test
  void randomSnapshotsValidate() {
    Random random = new Random(20261126);
    for (int i = 0; i < 500; i++) {
      String document = JsonReport.format(JsonSnapshots.random(random));
      assertThat(SchemaValidator.errors(document)).as(document).isEmpty();
    }
  }

  @Test
  void missingFieldIsRejected() throws Exception {
    assertRejected(json -> json.remove("lostEvents"), "lostEvents");
    assertRejected(json -> totals(json).remove("outstandingBytes"), "outstandingBytes");
    assertRejected(json -> stack(json).remove("growthBytes"), "growthBytes");
    assertRejected(json -> frame(json).remove("text"), "text");
    assertRejected(json -> frame(json).remove("function"), "function");
    assertRejected(json -> frame(json).remove("stackEnd"), "stackEnd");
  }

  @Test
  void unknownFieldIsRejected() throws Exception {
    assertRejected(json -> json.put("leaks", 1), "leaks");
    assertRejected(json -> totals(json).put("peakBytes", 1), "peakBytes");
    assertRejected(json -> stack(json).put("name", "x"), "name");
    assertRejected(json -> frame(json).put("column", 12), "column");
  }

  @Test
  void threadNamesMustBeTextAndTheFilteredCountPositive() throws Exception {
    assertRejected(json -> stack(json).put("threadName", 3), "threadName");
    assertRejected(json -> json.put("filteredAllocations", 0), "filteredAllocations");
  }

  @Test
  void wrongTypesAndValuesAreRejected() throws Exception {
    assertRejected(json -> json.put("pid", "4242"), "pid");
    assertRejected(json -> json.put("time", "18:26:32"), "time");
    assertRejected(json -> json.put("time", "2026-13-45T18:26:32.250Z"), "time");
    assertRejected(json -> json.put("intervalSeconds", -1), "intervalSeconds");
    assertRejected(json -> json.put("exact", "yes"), "exact");
    assertRejected(json -> totals(json).put("outstandingCount", -1), "outstandingCount");
    assertRejected(json -> totals(json).put("allocBytes", 1.5), "allocBytes");
    assertRejected(json -> stack(json).put("frames", "ntdll.dll!NtTraceEvent+0xC"), "frames");
    assertRejected(json -> frame(json).put("address", "7ffe1234000c"), "address");
    assertRejected(json -> frame(json).put("address", "0x7FFE1234000C"), "address");
    assertRejected(json -> frame(json).put("address", 140729203294220L), "address");
    assertRejected(json -> frame(json).put("module", 3), "module");
    assertRejected(json -> frame(json).put("line", 0), "line");
    assertRejected(json -> frame(json).put("line", "42"), "line");
    assertRejected(json -> frame(json).put("inlined", "no"), "inlined");
    assertRejected(json -> frame(json).put("stackEnd", "tired"), "stackEnd");
    assertRejected(json -> json.putObject("sourceCounters").put("lost", "many"), "lost");
  }

  @Test
  void theSchemaNamesEveryEarlyEndAndNoOther() throws Exception {
    JsonNode values;
    try (var in = JsonReport.openSchema()) {
      values = MAPPER.readTree(in).at("/$defs/frame/properties/stackEnd/enum");
    }
    List<String> named = new ArrayList<>();
    values.forEach(v -> named.add(v.isNull() ? null : v.textValue()));
    List<String> expected = new ArrayList<>();
    expected.add(null);
    for (StackEnd end : StackEnd.values()) {
      expected.add(JsonReport.stackEndName(end));
    }
    assertThat(named).containsExactlyInAnyOrderElementsOf(expected);
  }

  /** The mutated document of the known snapshot fails, naming {@code field}. */
  private static void assertRejected(Consumer<ObjectNode> mutation, String field) throws Exception {
    ObjectNode json = (ObjectNode) MAPPER.readTree(JsonReport.format(JsonSnapshots.known()));
    mutation.accept(json);
    String document = MAPPER.writeValueAsString(json);
    assertThat(SchemaValidator.errors(document))
        .as(document)
        .isNotEmpty()
        .anySatisfy(error -> assertThat(error).contains(field));
  }

  private static ObjectNode totals(ObjectNode json) {
    return (ObjectNode) json.get("totals");
  }

  private static ObjectNode stack(ObjectNode json) {
    return (ObjectNode) ((ArrayNode) json.get("stacks")).get(0);
  }

  private static ObjectNode frame(ObjectNode json) {
    return (ObjectNode) ((ArrayNode) stack(json).get("frames")).get(0);
  }
}
