package io.leakdetector.export.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.StackEnd;
import io.leakdetector.StackReport;
import io.leakdetector.testkit.Snapshots;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonReportTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void formatsKnownSnapshotByteForByte() {
    assertThat(JsonReport.format(JsonSnapshots.known()))
        .isEqualTo(
            "{\"time\":\"2026-11-26T18:26:32.250Z\",\"sequence\":3,\"pid\":4242,"
                + "\"processName\":\"Demo.exe\",\"source\":\"etw\",\"sourceDesign\":\"\",\"intervalSeconds\":5,"
                + "\"final\":false,\"endReason\":\"\",\"exact\":true,"
                + "\"totals\":{\"allocCount\":42,\"freeCount\":4,\"allocBytes\":9136,"
                + "\"freeBytes\":1024,\"outstandingCount\":38,\"outstandingBytes\":8112,"
                + "\"stacks\":2},"
                + "\"lostEvents\":0,\"lostEventsInInterval\":0,\"unmatchedFrees\":17,"
                + "\"impliedFrees\":0,\"droppedAllocations\":0,\"inexactCauses\":{},"
                + "\"sourceCounters\":{\"decodeFailures\":1,\"unpairedStacks\":5},"
                + "\"stacks\":["
                + "{\"id\":7,\"allocCount\":30,\"freeCount\":0,\"allocBytes\":5040,"
                + "\"freeBytes\":0,\"outstandingCount\":30,\"outstandingBytes\":5040,"
                + "\"growthCount\":30,\"growthBytes\":5040,\"frames\":["
                + "{\"address\":\"0x7ffe1234000c\",\"module\":\"ntdll.dll\","
                + "\"symbol\":\"NtTraceEvent\",\"offset\":12,"
                + "\"text\":\"ntdll.dll!NtTraceEvent+0xC\",\"kernel\":false,"
                + "\"function\":\"NtTraceEvent\",\"file\":null,\"line\":null,\"inlined\":false,"
                + "\"stackEnd\":null},"
                + "{\"address\":\"0x140011f0d\",\"module\":\"Demo.exe\",\"symbol\":null,"
                + "\"offset\":73485,\"text\":\"Demo.exe!+0x11F0D\",\"kernel\":false,"
                + "\"function\":null,\"file\":null,\"line\":null,\"inlined\":false,"
                + "\"stackEnd\":null}]},"
                + "{\"id\":3,\"allocCount\":12,\"freeCount\":4,\"allocBytes\":4096,"
                + "\"freeBytes\":1024,\"outstandingCount\":8,\"outstandingBytes\":3072,"
                + "\"growthCount\":-2,\"growthBytes\":-512,\"frames\":["
                + "{\"address\":\"0xffffffff81000010\",\"module\":\"[kernel]\","
                + "\"symbol\":\"do_syscall_64\",\"offset\":16,"
                + "\"text\":\"[kernel]!do_syscall_64+0x10\",\"kernel\":true,"
                + "\"function\":\"do_syscall_64\",\"file\":null,\"line\":null,\"inlined\":false,"
                + "\"stackEnd\":null},"
                + "{\"address\":\"0x7f0000012345\",\"module\":\"libc.so.6\","
                + "\"symbol\":\"malloc\",\"offset\":37,\"text\":\"libc.so.6!malloc+0x25\","
                + "\"kernel\":false,\"function\":\"malloc\",\"file\":null,\"line\":null,"
                + "\"inlined\":false,\"stackEnd\":null},"
                + "{\"address\":\"0x401234\",\"module\":\"demo\",\"symbol\":\"leak_b\","
                + "\"offset\":20,\"text\":\"demo!leak_b+0x14\",\"kernel\":false,"
                + "\"function\":\"leak_b\",\"file\":null,\"line\":null,\"inlined\":false,"
                + "\"stackEnd\":null},"
                + "{\"address\":\"0xdeadbeef\",\"module\":null,\"symbol\":null,\"offset\":0,"
                + "\"text\":\"[unknown]!0xDEADBEEF\",\"kernel\":false,"
                + "\"function\":null,\"file\":null,\"line\":null,\"inlined\":false,"
                + "\"stackEnd\":null}]}]}");
  }

  @Test
  void framesCarryFunctionSourceLineInliningAndTheEarlyEnd() {
    String document = JsonReport.format(Snapshots.withSourceLines());
    String frames = document.substring(document.indexOf("\"frames\":["), document.indexOf("]}"));
    assertThat(frames)
        .isEqualTo(
            "\"frames\":["
                + "{\"address\":\"0x55555555a1c4\",\"module\":\"parser\","
                + "\"symbol\":\"_ZN6Parser9add_tokenEi\",\"offset\":52,"
                + "\"text\":\"parser!std::vector<int, std::allocator<int> >::push_back(int const&)"
                + " [inlined] (/usr/include/c++/12/bits/stl_vector.h:1287)\",\"kernel\":false,"
                + "\"function\":\"std::vector<int, std::allocator<int> >::push_back(int const&)\","
                + "\"file\":\"/usr/include/c++/12/bits/stl_vector.h\",\"line\":1287,"
                + "\"inlined\":true,\"stackEnd\":null},"
                + "{\"address\":\"0x55555555a1c4\",\"module\":\"parser\","
                + "\"symbol\":\"_ZN6Parser9add_tokenEi\",\"offset\":52,"
                + "\"text\":\"parser!Parser::add_token(int)+0x34 (src/parser.cc:42)\","
                + "\"kernel\":false,\"function\":\"Parser::add_token(int)\","
                + "\"file\":\"src/parser.cc\",\"line\":42,\"inlined\":false,\"stackEnd\":null},"
                + "{\"address\":\"0x55555555a2f1\",\"module\":\"parser\","
                + "\"symbol\":\"_ZN6Parser5parseEv\",\"offset\":27,"
                + "\"text\":\"parser!Parser::parse()+0x1B (src/parser.cc)\",\"kernel\":false,"
                + "\"function\":\"Parser::parse()\",\"file\":\"src/parser.cc\",\"line\":null,"
                + "\"inlined\":false,\"stackEnd\":null},"
                + "{\"address\":\"0x7f0000029d8a\",\"module\":\"libc.so.6\","
                + "\"symbol\":\"__libc_start_call_main\",\"offset\":122,"
                + "\"text\":\"libc.so.6!__libc_start_call_main+0x7A\",\"kernel\":false,"
                + "\"function\":\"__libc_start_call_main\",\"file\":null,\"line\":null,"
                + "\"inlined\":false,\"stackEnd\":null},"
                + "{\"address\":\"0xfffffffffffff001\",\"module\":null,\"symbol\":null,"
                + "\"offset\":0,"
                + "\"text\":\"[stack copy exhausted: raise --stack-copy for deeper stacks]\","
                + "\"kernel\":false,\"function\":null,\"file\":null,\"line\":null,"
                + "\"inlined\":false,\"stackEnd\":\"stack_copy_exhausted\"}");
  }

  @Test
  void everyEarlyEndHasItsName() throws Exception {
    for (StackEnd end : StackEnd.values()) {
      LeakSnapshot snapshot =
          Snapshots.builder()
              .stacks(Snapshots.stack(1).counts(1, 0, 8, 0).frames(Frame.end(end)).build())
              .build();
      JsonNode frame = MAPPER.readTree(JsonReport.format(snapshot)).at("/stacks/0/frames/0");
      assertThat(frame.get("stackEnd").textValue()).isEqualTo(JsonReport.stackEndName(end));
      assertThat(frame.get("text").textValue()).isEqualTo("[" + end.description() + "]");
      assertThat(SchemaValidator.errors(JsonReport.format(snapshot))).isEmpty();
    }
  }

  @Test
  void inexactSnapshotHasFractionalIntervalAndExactFalse() throws Exception {
    JsonNode json = MAPPER.readTree(JsonReport.format(JsonSnapshots.inexact()));
    assertThat(json.get("intervalSeconds").isIntegralNumber()).isFalse();
    assertThat(json.get("intervalSeconds").decimalValue()).isEqualByComparingTo("2.5");
    assertThat(json.get("exact").booleanValue()).isFalse();
    assertThat(json.get("lostEvents").longValue()).isEqualTo(120);
    assertThat(json.get("lostEventsInInterval").longValue()).isEqualTo(20);
    assertThat(json.get("droppedAllocations").longValue()).isEqualTo(3);
    assertThat(json.get("sourceCounters").get("lostRecords").longValue()).isEqualTo(120);
  }

  @Test
  void theSourcesCausesOfInexactnessAreNamedInOrder() throws Exception {
    JsonNode json = MAPPER.readTree(JsonReport.format(JsonSnapshots.missedEvents()));
    assertThat(json.get("exact").booleanValue()).isFalse();
    assertThat(json.get("impliedFrees").longValue()).isEqualTo(2);
    assertThat(json.get("inexactCauses").fieldNames())
        .toIterable()
        .containsExactly("threadsAttachedLate", "lateProbeFailures");
    assertThat(json.get("inexactCauses").get("threadsAttachedLate").longValue()).isEqualTo(3);
    assertThat(
            MAPPER.readTree(JsonReport.format(JsonSnapshots.known())).get("inexactCauses").size())
        .isZero();
  }

  @Test
  void stacksSplitByThreadCarryTheThreadNameAndTheFilteredCount() throws Exception {
    String document = JsonReport.format(Snapshots.byThread());
    JsonNode json = MAPPER.readTree(document);
    assertThat(json.get("filteredAllocations").longValue()).isEqualTo(5);
    assertThat(json.get("exact").booleanValue()).isTrue();
    assertThat(json.get("stacks").get(0).get("threadName").textValue()).isEqualTo("worker-a");
    assertThat(json.get("stacks").get(1).get("threadName").textValue()).isEqualTo("GC Thread;#0");
    assertThat(document)
        .contains(
            "\"droppedAllocations\":0,\"filteredAllocations\":5,\"inexactCauses\":{}",
            "\"growthBytes\":3072,\"threadName\":\"worker-a\",\"frames\":[");
    JsonNode unsplit = MAPPER.readTree(JsonReport.format(JsonSnapshots.known()));
    assertThat(unsplit.has("filteredAllocations")).isFalse();
    assertThat(unsplit.get("stacks").get(0).has("threadName")).isFalse();
  }

  @Test
  void finalSnapshotCarriesItsEndReason() throws Exception {
    JsonNode json = MAPPER.readTree(JsonReport.format(JsonSnapshots.last("target exited")));
    assertThat(json.get("final").booleanValue()).isTrue();
    assertThat(json.get("endReason").textValue()).isEqualTo("target exited");
  }

  @Test
  void emptySnapshotHasEmptyStacksAndZeroTotals() {
    assertThat(JsonReport.format(JsonSnapshots.empty()))
        .isEqualTo(
            "{\"time\":\"2026-11-26T18:26:32.250Z\",\"sequence\":1,\"pid\":1,"
                + "\"processName\":\"\",\"source\":\"uprobes\",\"sourceDesign\":\"\",\"intervalSeconds\":0,"
                + "\"final\":false,\"endReason\":\"\",\"exact\":true,"
                + "\"totals\":{\"allocCount\":0,\"freeCount\":0,\"allocBytes\":0,"
                + "\"freeBytes\":0,\"outstandingCount\":0,\"outstandingBytes\":0,"
                + "\"stacks\":0},"
                + "\"lostEvents\":0,\"lostEventsInInterval\":0,\"unmatchedFrees\":0,"
                + "\"impliedFrees\":0,\"droppedAllocations\":0,\"inexactCauses\":{},"
                + "\"sourceCounters\":{},"
                + "\"stacks\":[]}");
  }

  @Test
  void escapesNamesAndWritesUtf8() throws Exception {
    Frame frame = new Frame(0x10, "lib \"x\".so", "Größe\n\\日本", 1, false);
    LeakSnapshot snapshot =
        new LeakSnapshot(
            2,
            JsonSnapshots.TIME,
            JsonSnapshots.TARGET,
            "uprobes",
            Duration.ofSeconds(1),
            HeapTotals.EMPTY,
            EventCounts.NONE,
            Map.of(),
            false,
            "",
            List.of(new StackReport(1, 1, 0, 8, 0, 1, 8, 1, 8, List.of(frame))));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    JsonReport.write(snapshot, bytes);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).doesNotContain("\n").contains("Größe\\n\\\\日本");
    JsonNode parsed = MAPPER.readTree(bytes.toByteArray());
    JsonNode json = parsed.get("stacks").get(0).get("frames").get(0);
    assertThat(json.get("module").textValue()).isEqualTo("lib \"x\".so");
    assertThat(json.get("symbol").textValue()).isEqualTo("Größe\n\\日本");
    assertThat(json.get("text").textValue()).isEqualTo(frame.text());
  }

  @Test
  void emptyModuleOrSymbolNamesAreWrittenAsNull() throws Exception {
    LeakSnapshot known = JsonSnapshots.known();
    LeakSnapshot snapshot =
        new LeakSnapshot(
            1,
            known.time(),
            known.target(),
            known.source(),
            known.interval(),
            known.totals(),
            known.counts(),
            Map.of(),
            false,
            "",
            List.of(
                new StackReport(
                    1, 1, 0, 8, 0, 1, 8, 1, 8, List.of(new Frame(0x20, "", "", 4, false)))));
    JsonNode json = MAPPER.readTree(JsonReport.format(snapshot));
    JsonNode frame = json.get("stacks").get(0).get("frames").get(0);
    assertThat(frame.get("module").isNull()).isTrue();
    assertThat(frame.get("symbol").isNull()).isTrue();
    assertThat(frame.get("function").isNull()).isTrue();
  }

  @Test
  void schemaIsReadableFromTheModule() throws Exception {
    try (var in = JsonReport.openSchema()) {
      JsonNode schema = MAPPER.readTree(in);
      assertThat(schema.get("$schema").textValue())
          .isEqualTo("https://json-schema.org/draft/2020-12/schema");
      assertThat(schema.get("additionalProperties").booleanValue()).isFalse();
    }
  }
}
