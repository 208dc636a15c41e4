package io.leakdetector.export.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.export.text.TextReport;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JSON document and the text report of the same snapshot say the same thing: both are parsed
 * back and every field the text report shows is compared.
 */
class JsonMatchesTextTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final TextReport TEXT = new TextReport(ZoneOffset.UTC);
  private static final Pattern TOTALS =
      Pattern.compile(
          "Outstanding: (\\d+) bytes in (\\d+) allocations, (\\d+) stacks;"
              + " lost events: (\\d+) \\((\\d+) this interval\\); unmatched frees: (\\d+)"
              + "(?:; \\w+ [^;]* fallback)?"
              + "(; inexact: (\\d+) events lost, (\\d+) allocations dropped(?:, [^;]+)?)?"
              + "(?:; filtered: (\\d+) allocations of other threads)?"
              + "(; final report(: (.*))?)?");

  /** What the text report shows of one stack. */
  private record TextStack(
      String thread,
      long allocCount,
      long freeCount,
      long allocBytes,
      long freeBytes,
      List<String> frames) {}

  @Test
  void fixedSnapshotsAgree() throws Exception {
    for (LeakSnapshot snapshot : JsonSnapshots.fixed()) {
      assertAgree(snapshot);
    }
  }

  @Test
  void randomSnapshotsAgree() throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < 300; i++) {
      assertAgree(JsonSnapshots.random(random));
    }
  }

  private static void assertAgree(LeakSnapshot snapshot) throws Exception {
    String text = TEXT.format(snapshot);
    JsonNode json = MAPPER.readTree(JsonReport.format(snapshot));
    List<String> lines = new ArrayList<>(text.lines().toList());

    Instant jsonTime = Instant.parse(json.get("time").textValue());
    assertThat(lines.remove(0))
        .isEqualTo(
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC).format(jsonTime));

    Matcher totals = TOTALS.matcher(lines.remove(0));
    assertThat(totals.matches()).as(text).isTrue();
    JsonNode jsonTotals = json.get("totals");
    assertThat(Long.parseLong(totals.group(1)))
        .isEqualTo(jsonTotals.get("outstandingBytes").longValue());
    assertThat(Long.parseLong(totals.group(2)))
        .isEqualTo(jsonTotals.get("outstandingCount").longValue());
    assertThat(Long.parseLong(totals.group(3))).isEqualTo(jsonTotals.get("stacks").longValue());
    assertThat(Long.parseLong(totals.group(4))).isEqualTo(json.get("lostEvents").longValue());
    assertThat(Long.parseLong(totals.group(5)))
        .isEqualTo(json.get("lostEventsInInterval").longValue());
    assertThat(Long.parseLong(totals.group(6))).isEqualTo(json.get("unmatchedFrees").longValue());
    assertThat(totals.group(7) == null).as(text).isEqualTo(json.get("exact").booleanValue());
    if (totals.group(7) != null) {
      assertThat(Long.parseLong(totals.group(8))).isEqualTo(json.get("lostEvents").longValue());
      assertThat(Long.parseLong(totals.group(9)))
          .isEqualTo(json.get("droppedAllocations").longValue());
    }
    assertThat(totals.group(10) == null ? 0 : Long.parseLong(totals.group(10)))
        .isEqualTo(json.path("filteredAllocations").longValue());
    assertThat(totals.group(11) != null).isEqualTo(json.get("final").booleanValue());
    String endReason = totals.group(13) == null ? "" : totals.group(13);
    assertThat(endReason).isEqualTo(json.get("endReason").textValue());

    List<TextStack> textStacks = parseStacks(lines);
    JsonNode jsonStacks = json.get("stacks");
    assertThat(textStacks).hasSize(jsonStacks.size());
    for (int i = 0; i < textStacks.size(); i++) {
      TextStack textStack = textStacks.get(i);
      JsonNode jsonStack = jsonStacks.get(i);
      assertThat(textStack.thread())
          .isEqualTo(jsonStack.has("threadName") ? jsonStack.get("threadName").textValue() : null);
      assertThat(textStack.allocCount()).isEqualTo(jsonStack.get("allocCount").longValue());
      assertThat(textStack.freeCount()).isEqualTo(jsonStack.get("freeCount").longValue());
      assertThat(textStack.allocBytes()).isEqualTo(jsonStack.get("allocBytes").longValue());
      assertThat(textStack.freeBytes()).isEqualTo(jsonStack.get("freeBytes").longValue());
      List<String> jsonFrames = new ArrayList<>();
      jsonStack.get("frames").forEach(frame -> jsonFrames.add(frame.get("text").textValue()));
      assertThat(textStack.frames()).isEqualTo(jsonFrames);
      for (int f = 0; f < jsonFrames.size(); f++) {
        assertFrameAgrees(textStack.frames().get(f), jsonStack.get("frames").get(f));
      }
    }
  }

  /** The text line shows the JSON frame's function, source line, inlining and early end. */
  private static void assertFrameAgrees(String line, JsonNode frame) {
    if (!frame.get("stackEnd").isNull()) {
      assertThat(line).startsWith("[").endsWith("]");
      assertThat(frame.get("module").isNull()).isTrue();
      return;
    }
    if (frame.get("module").isNull()) {
      assertThat(line).startsWith("[unknown]!0x");
      return;
    }
    String function = frame.get("function").isNull() ? "" : frame.get("function").textValue();
    assertThat(line).startsWith(frame.get("module").textValue() + "!" + function);
    assertThat(line.contains(" [inlined]")).isEqualTo(frame.get("inlined").booleanValue());
    if (!frame.get("file").isNull()) {
      String where =
          frame.get("file").textValue()
              + (frame.get("line").isNull() ? "" : ":" + frame.get("line").intValue());
      assertThat(line).endsWith(" (" + where + ")");
    }
  }

  private static List<TextStack> parseStacks(List<String> lines) {
    List<TextStack> stacks = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String thread = lines.get(i).startsWith("Thread: ") ? lines.get(i++).substring(8) : null;
      long allocCount = value(lines.get(i++), "AllocateCount: ");
      long freeCount = value(lines.get(i++), "FreeCount: ");
      long allocBytes = value(lines.get(i++), "AllocateSize: ");
      long freeBytes = value(lines.get(i++), "FreeSize: ");
      List<String> frames = new ArrayList<>();
      while (!lines.get(i).equals(TextReport.SEPARATOR)) {
        frames.add(lines.get(i++));
      }
      i++;
      stacks.add(new TextStack(thread, allocCount, freeCount, allocBytes, freeBytes, frames));
    }
    return stacks;
  }

  private static long value(String line, String label) {
    assertThat(line).startsWith(label);
    return Long.parseLong(line.substring(label.length()));
  }
}
