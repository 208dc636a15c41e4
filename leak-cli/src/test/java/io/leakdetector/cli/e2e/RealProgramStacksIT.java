package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leakdetector.testkit.Commands;
import io.leakdetector.testkit.Prerequisite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, must-show 2: Debian's python3 (no frame pointers), traced in launch mode with the
 * default unwinding, and run under valgrind with the same input: the first frames of our top stacks
 * by outstanding bytes equal valgrind's for the stack with the same blocks and bytes, function by
 * function wherever valgrind names the function.
 */
class RealProgramStacksIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path PYTHON = Path.of("/usr/bin/python3.11");
  private static final String SCRIPT =
      "import os, json\n"
          + "rows = [{'id': i, 'name': 'n' * (i % 50), 'tags': ['a', str(i)]} for i in range(4000)]\n"
          + "text = json.dumps(rows)\n"
          + "back = json.loads(text)\n"
          + "os._exit(0)\n";
  private static final int TOP = 5;
  private static final int FRAMES = 5;
  private static final Map<String, String> ENV =
      Map.of("PYTHONMALLOC", "malloc", "PYTHONHASHSEED", "0");

  @TempDir Path dir;

  /** A stack valgrind reports: its blocks and bytes (summed over leak kinds) and functions. */
  record ValgrindStack(long blocks, long bytes, List<String> functions) {}

  @BeforeEach
  void prerequisites() throws Exception {
    Distribution.requireRealTracing(dir);
    Prerequisite.require(Files.isExecutable(PYTHON), "Debian's python3.11 is not installed");
    Prerequisite.require(Prerequisite.onPath("valgrind").isPresent(), "valgrind is not installed");
  }

  @Test
  void python3sTopStacksBeginAsValgrindsDo() throws Exception {
    Path script = dir.resolve("work.py");
    Files.writeString(script, SCRIPT);
    List<ValgrindStack> truth = valgrind(script);
    JsonNode report = trace(script);

    List<JsonNode> ours = new ArrayList<>();
    report.get("stacks").forEach(ours::add);
    ours.sort(
        Comparator.comparingLong((JsonNode s) -> s.get("outstandingBytes").asLong()).reversed());
    int compared = 0;
    for (JsonNode stack : ours.subList(0, Math.min(TOP, ours.size()))) {
      long blocks = stack.get("outstandingCount").asLong();
      long bytes = stack.get("outstandingBytes").asLong();
      List<ValgrindStack> same =
          truth.stream().filter(v -> v.blocks() == blocks && v.bytes() == bytes).toList();
      assertThat(same)
          .as("valgrind's stack with %d blocks, %d bytes for %s", blocks, bytes, stack)
          .isNotEmpty();
      List<String> functions = physicalFunctions(stack);
      boolean anyEqual = false;
      List<String> mismatches = new ArrayList<>();
      for (ValgrindStack candidate : same) {
        String mismatch = firstMismatch(functions, candidate.functions());
        if (mismatch == null) {
          anyEqual = true;
          break;
        }
        mismatches.add(mismatch);
      }
      assertThat(anyEqual).as("ours %s vs valgrind: %s", functions, mismatches).isTrue();
      compared++;
    }
    assertThat(compared).isEqualTo(TOP);
  }

  /** null when the first frames agree wherever valgrind names a function, else what differs. */
  private static String firstMismatch(List<String> ours, List<String> valgrind) {
    int n = Math.min(FRAMES, valgrind.size());
    if (ours.size() < n) {
      return "ours has " + ours.size() + " frames, valgrind " + valgrind;
    }
    for (int k = 0; k < n; k++) {
      String truth = valgrind.get(k);
      if (truth.equals("???")) {
        continue;
      }
      if (!withoutCloneSuffix(truth).equals(withoutCloneSuffix(ours.get(k)))) {
        return "frame " + k + ": " + ours.get(k) + " vs " + truth + " in " + valgrind;
      }
    }
    return null;
  }

  /**
   * A function's name without the suffix gcc gives the symbols of its clones ({@code
   * insert_to_emptydict.lto_priv.0}, {@code .constprop.0}, {@code .isra.0}, {@code .part.0}, {@code
   * .cold}): valgrind names a frame by that symbol, we (like addr2line) by the function's name in
   * the debugging information when there is one.
   */
  private static String withoutCloneSuffix(String name) {
    return name.replaceFirst("(\\.(lto_priv|constprop|isra|part|cold|clone)(\\.\\d+)?)+$", "");
  }

  private static List<String> physicalFunctions(JsonNode stack) {
    List<String> names = new ArrayList<>();
    for (JsonNode frame : stack.get("frames")) {
      if (!frame.path("inlined").asBoolean()) {
        names.add(frame.path("function").asText("???"));
      }
    }
    return names;
  }

  private JsonNode trace(Path script) throws Exception {
    Path json = dir.resolve("python.json");
    try (Tool tool =
        Tool.start(
            dir,
            ENV,
            "--format",
            "json",
            "-o",
            json.toString(),
            "-T",
            "0",
            "-i",
            "120",
            "--",
            PYTHON.toString(),
            script.toString())) {
      Tool.Finished run = tool.awaitExit(180);
      assertThat(run.exitCode()).as(run.err()).isZero();
    }
    List<String> documents = Files.readAllLines(json, StandardCharsets.UTF_8);
    JsonNode last = MAPPER.readTree(documents.get(documents.size() - 1));
    assertThat(last.get("exact").asBoolean()).as(last.path("inexactCauses").toString()).isTrue();
    return last;
  }

  /** valgrind's stacks at exit, each with the physical functions after malloc & co. */
  private List<ValgrindStack> valgrind(Path script) throws Exception {
    Path xml = dir.resolve("valgrind.xml");
    List<String> command = new ArrayList<>(List.of("env"));
    ENV.forEach((k, v) -> command.add(k + "=" + v));
    command.addAll(
        List.of(
            "valgrind",
            "--xml=yes",
            "--xml-file=" + xml,
            "--leak-check=full",
            "--show-leak-kinds=all",
            "--num-callers=" + (FRAMES + 8),
            "--run-libc-freeres=no",
            PYTHON.toString(),
            script.toString()));
    Commands.run(command);
    String text = Files.readString(xml, StandardCharsets.UTF_8);
    Map<String, long[]> sums = new LinkedHashMap<>();
    Map<String, List<String>> functions = new LinkedHashMap<>();
    Matcher error = Pattern.compile("(?s)<error>.*?</error>").matcher(text);
    Pattern frame = Pattern.compile("(?s)<frame>(.*?)</frame>");
    while (error.find()) {
      String record = error.group();
      if (!record.contains("<leakedbytes>")) {
        continue;
      }
      long bytes = Long.parseLong(tag(record, "leakedbytes"));
      long blocks = Long.parseLong(tag(record, "leakedblocks"));
      List<String> ips = new ArrayList<>();
      List<String> names = new ArrayList<>();
      Matcher f = frame.matcher(record);
      String previousIp = null;
      boolean allocatorSeen = false;
      while (f.find()) {
        String body = f.group(1);
        String ip = tag(body, "ip");
        String obj = tag(body, "obj");
        String fn = tag(body, "fn");
        ips.add(ip);
        if (obj != null && obj.contains("vgpreload")) {
          allocatorSeen = true;
          continue; // valgrind's own malloc & co.
        }
        if (!allocatorSeen) {
          continue;
        }
        // inlined frames share the ip of the function holding them, which comes last
        if (ip.equals(previousIp)) {
          names.set(names.size() - 1, fn == null ? "???" : fn);
        } else {
          names.add(fn == null ? "???" : fn);
        }
        previousIp = ip;
      }
      String key = String.join(",", ips);
      sums.computeIfAbsent(key, k -> new long[2]);
      sums.get(key)[0] += blocks;
      sums.get(key)[1] += bytes;
      functions.put(key, names);
    }
    List<ValgrindStack> stacks = new ArrayList<>();
    sums.forEach((key, s) -> stacks.add(new ValgrindStack(s[0], s[1], functions.get(key))));
    assertThat(stacks).as("valgrind's loss records").hasSizeGreaterThan(TOP);
    return stacks;
  }

  private static String tag(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">(.*?)</" + name + ">").matcher(xml);
    return m.find()
        ? m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        : null;
  }
}
