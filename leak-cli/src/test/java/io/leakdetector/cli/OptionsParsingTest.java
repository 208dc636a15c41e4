package io.leakdetector.cli;

import static io.leakdetector.cli.CliHarness.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetector;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.SkipFrames;
import io.leakdetector.SortOrder;
import io.leakdetector.cli.CliOptions.Target;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every flag, parsed into {@link CliOptions}. */
class OptionsParsingTest {

  @Test
  void defaultsForAPid() throws Exception {
    CliOptions o = parse("-p", "4242");
    assertThat(o.target()).isEqualTo(new Target.Pid(4242));
    assertThat(o.interval()).isEqualTo(Duration.ZERO);
    assertThat(o.count()).isZero();
    assertThat(o.topN()).isEqualTo(10);
    assertThat(o.minSamples()).isEqualTo(1);
    assertThat(o.clear()).isFalse();
    assertThat(o.sort()).isEqualTo(SortOrder.COUNT);
    assertThat(o.format()).isEqualTo("text");
    assertThat(o.output()).isNull();
    assertThat(o.exporters()).isEmpty();
    assertThat(o.exporterOptions()).isEmpty();
    assertThat(o.minSize()).isZero();
    assertThat(o.maxSize()).isEqualTo(Long.MAX_VALUE);
    assertThat(o.olderThan()).isEqualTo(Duration.ZERO);
    assertThat(o.kernel()).isFalse();
    assertThat(patterns(o)).isEqualTo(patterns(SkipFrames.DEFAULT));
    assertThat(o.debuginfod()).isTrue();
    assertThat(o.source()).isNull();
    assertThat(o.sourceOptions()).isEmpty();
    assertThat(o.list()).isFalse();
    assertThat(o.debug()).isFalse();
  }

  @Test
  void longNamesOfTheOriginalFlags() throws Exception {
    CliOptions o =
        parse(
            "--pid",
            "7",
            "--interval",
            "3",
            "--count",
            "4",
            "--top",
            "5",
            "--minsamples",
            "6",
            "--clear");
    assertThat(o.target()).isEqualTo(new Target.Pid(7));
    assertThat(o.interval()).isEqualTo(Duration.ofSeconds(3));
    assertThat(o.count()).isEqualTo(4);
    assertThat(o.topN()).isEqualTo(5);
    assertThat(o.minSamples()).isEqualTo(6);
    assertThat(o.clear()).isTrue();
    assertThat(o.exporterOptions()).containsEntry("clear", "true");
  }

  @Test
  void shortFlagsClustered() throws Exception {
    CliOptions o = parse("-Cp", "12", "-i1", "-c", "2");
    assertThat(o.clear()).isTrue();
    assertThat(o.target()).isEqualTo(new Target.Pid(12));
    assertThat(o.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.count()).isEqualTo(2);
  }

  @Test
  void processName() throws Exception {
    assertThat(parse("-P", "myserver").target()).isEqualTo(new Target.Name("myserver"));
    assertThat(parse("--pname", "a.out").target()).isEqualTo(new Target.Name("a.out"));
  }

  @Test
  void fractionalInterval() throws Exception {
    assertThat(parse("-p", "1", "-i", "0.5").interval()).isEqualTo(Duration.ofMillis(500));
    assertThat(parse("-p", "1", "-i", ".25").interval()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void countWithoutIntervalReportsEveryFiveSeconds() throws Exception {
    CliOptions o = parse("-p", "1", "-c", "3");
    assertThat(o.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.count()).isEqualTo(3);
  }

  @Test
  void countZeroMeansUntilStopped() throws Exception {
    CliOptions o = parse("-p", "1", "-c", "0");
    assertThat(o.count()).isZero();
    assertThat(o.interval()).isEqualTo(Duration.ZERO);
    assertThat(parse("-p", "1", "-c", "0", "-i", "2").interval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void bareTopMeansTen() throws Exception {
    assertThat(parse("-p", "1", "-T").topN()).isEqualTo(10);
    assertThat(parse("-T", "-p", "1").topN()).isEqualTo(10);
    assertThat(parse("-p", "1", "-T", "0").topN()).isZero();
    assertThat(parse("-p", "1", "-T", "3").topN()).isEqualTo(3);
    assertThat(parse("-p", "1", "-T3").topN()).isEqualTo(3);
    assertThat(parse("-p", "1", "--top=25").topN()).isEqualTo(25);
  }

  @ParameterizedTest
  @CsvSource({"count,COUNT", "bytes,BYTES", "growth,GROWTH", "Bytes,BYTES"})
  void sortOrders(String value, SortOrder expected) throws Exception {
    assertThat(parse("-p", "1", "--sort", value).sort()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"text", "json", "collapsed"})
  void formats(String format) throws Exception {
    assertThat(parse("-p", "1", "--format", format).format()).isEqualTo(format);
  }

  @Test
  void output() throws Exception {
    assertThat(parse("-p", "1", "--output", "r.txt").output()).isEqualTo(Path.of("r.txt"));
    assertThat(parse("-p", "1", "-o", "/tmp/x.ndjson").output())
        .isEqualTo(Path.of("/tmp/x.ndjson"));
  }

  @Test
  void repeatableExporters() throws Exception {
    CliOptions o =
        parse("-p", "1", "--exporter", "otel", "--exporter", "json", "--exporter", "otel,extra");
    assertThat(o.exporters()).containsExactly("otel", "json", "extra");
  }

  @Test
  void theFormatIsNotAlsoAnExtraExporter() throws Exception {
    CliOptions o = parse("-p", "1", "--format", "json", "--exporter", "json,otel");
    assertThat(o.format()).isEqualTo("json");
    assertThat(o.exporters()).containsExactly("otel");
  }

  @Test
  void otelAndPrometheusOptionsTurnOnTheOtelExporter() throws Exception {
    CliOptions o =
        parse(
            "-p",
            "1",
            "--otel-endpoint",
            "http://127.0.0.1:4318",
            "--prometheus-port",
            "9464",
            "--prometheus-host",
            "0.0.0.0");
    assertThat(o.exporters()).containsExactly("otel");
    assertThat(o.exporterOptions())
        .containsEntry("otel.endpoint", "http://127.0.0.1:4318")
        .containsEntry("prometheus.port", "9464")
        .containsEntry("prometheus.host", "0.0.0.0");
    assertThat(parse("-p", "1", "--prometheus-port", "9999").exporters()).containsExactly("otel");
    assertThat(
            parse("-p", "1", "--exporter", "otel", "--otel-endpoint", "https://collector:4318")
                .exporters())
        .containsExactly("otel");
  }

  @Test
  void exporterOptions() throws Exception {
    CliOptions o =
        parse("-p", "1", "--exporter-option", "collapsed.every=true", "--exporter-option", "a=b=c");
    assertThat(o.exporterOptions()).isEqualTo(Map.of("collapsed.every", "true", "a", "b=c"));
  }

  @ParameterizedTest
  @CsvSource({
    "0,0",
    "4096,4096",
    "4K,4096",
    "4k,4096",
    "4KiB,4096",
    "2M,2097152",
    "1G,1073741824",
    "12B,12"
  })
  void sizes(String value, long bytes) throws Exception {
    assertThat(parse("-p", "1", "--min-size", value).minSize()).isEqualTo(bytes);
    assertThat(parse("-p", "1", "--max-size", value).maxSize()).isEqualTo(bytes);
  }

  @ParameterizedTest
  @CsvSource({"500ms,500", "30s,30000", "5m,300000", "1h,3600000", "2,2000", "1.5s,1500", "0,0"})
  void olderThanUnits(String value, long millis) throws Exception {
    assertThat(parse("-p", "1", "--older-than", value).olderThan())
        .isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void kernelSourceAndSourceOptions() throws Exception {
    CliOptions o =
        parse(
            "-p",
            "1",
            "--kernel",
            "--source",
            "uprobes",
            "--source-option",
            "uprobes.ring-kib=64",
            "--source-option",
            "x=");
    assertThat(o.kernel()).isTrue();
    assertThat(o.source()).isEqualTo("uprobes");
    assertThat(o.sourceOptions()).isEqualTo(Map.of("uprobes.ring-kib", "64", "x", ""));
  }

  private static List<String> patterns(CliOptions options) {
    return patterns(options.skipFrames());
  }

  private static List<String> patterns(List<java.util.regex.Pattern> patterns) {
    return patterns.stream().map(java.util.regex.Pattern::pattern).toList();
  }

  @Test
  void skipFramesAreAddedToTheDefaultSet() throws Exception {
    CliOptions o = parse("-p", "1", "--skip-frames", "xmalloc", "--skip-frames", "pool::grab\\(.*");
    List<String> expected = new java.util.ArrayList<>(patterns(SkipFrames.DEFAULT));
    expected.add("xmalloc");
    expected.add("pool::grab\\(.*");
    assertThat(patterns(o)).isEqualTo(expected);
  }

  @Test
  void skipFramesNoneTurnsTheDefaultSetOff() throws Exception {
    assertThat(parse("-p", "1", "--skip-frames", "none").skipFrames()).isEmpty();
    assertThat(patterns(parse("-p", "1", "--skip-frames", "xmalloc", "--skip-frames", "none")))
        .containsExactly("xmalloc");
  }

  @Test
  void anEmptySkipFramesPatternIsOneSentence() {
    assertThatThrownBy(() -> parse("-p", "1", "--skip-frames", ""))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage("--skip-frames needs a regular expression, or none.");
  }

  @Test
  void byThreadAndTheThreadFilterReachTheDetector() throws Exception {
    CliOptions plain = parse("-p", "1");
    assertThat(plain.byThread()).isFalse();
    assertThat(plain.threads()).isNull();
    LeakDetector unsplit = TraceRun.build(LeakDetector.builder().pid(1), plain, List.of());
    assertThat(unsplit.byThread()).isFalse();
    assertThat(unsplit.threads()).isEmpty();

    assertThat(parse("-p", "1", "--by-thread").byThread()).isTrue();
    CliOptions filtered = parse("-p", "1", "--threads", "^GC Thread");
    assertThat(filtered.byThread()).as("implied by --threads").isTrue();
    LeakDetector detector = TraceRun.build(LeakDetector.builder().pid(1), filtered, List.of());
    assertThat(detector.byThread()).isTrue();
    assertThat(detector.threads()).get().extracting(p -> p.pattern()).isEqualTo("^GC Thread");
  }

  @Test
  void anEmptyThreadFilterIsOneSentence() {
    assertThatThrownBy(() -> parse("-p", "1", "--threads", ""))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage("--threads needs a regular expression that thread names are matched against.");
  }

  @Test
  void theDetectorGetsTheSkipFrames() throws Exception {
    CliOptions o = parse("-p", "1", "--skip-frames", "none", "--skip-frames", "xmalloc");
    LeakDetector detector = TraceRun.build(LeakDetector.builder().pid(1), o, List.of());
    assertThat(patterns(detector.skipFrames())).containsExactly("xmalloc");
    assertThat(
            patterns(
                TraceRun.build(LeakDetector.builder().pid(1), parse("-p", "1"), List.of())
                    .skipFrames()))
        .isEqualTo(patterns(SkipFrames.DEFAULT));
  }

  @Test
  void debuginfodOnOrOff() throws Exception {
    assertThat(parse("-p", "1", "--debuginfod", "off").debuginfod()).isFalse();
    assertThat(parse("-p", "1", "--debuginfod", "ON").debuginfod()).isTrue();
    assertThat(parse("demo", "--debuginfod=off").debuginfod()).isFalse();
  }

  @Test
  void debug() throws Exception {
    assertThat(parse("-p", "1", "--debug").debug()).isTrue();
  }

  @Test
  void listNeedsNoTarget() throws Exception {
    CliOptions o = parse("--list");
    assertThat(o.list()).isTrue();
    assertThat(o.target()).isNull();
  }

  @Test
  void launchAfterDashDash() throws Exception {
    CliOptions o = parse("-i", "2", "--", "./myprog", "--flag", "-p", "3");
    assertThat(o.target()).isEqualTo(new Target.Launch(List.of("./myprog", "--flag", "-p", "3")));
    assertThat(o.interval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void demoDefaults() throws Exception {
    CliOptions o = parse("demo");
    assertThat(o.target()).isEqualTo(new Target.Demo(-1, -1));
    assertThat(o.interval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.count()).isEqualTo(5);
  }

  @Test
  void demoTakesTheMainOptionsBeforeAndAfterIt() throws Exception {
    CliOptions before = parse("-i", "1", "-c", "0", "-T", "3", "demo", "--rounds", "7");
    assertThat(before.target()).isEqualTo(new Target.Demo(7, -1));
    assertThat(before.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(before.count()).isZero();
    assertThat(before.topN()).isEqualTo(3);
    CliOptions after = parse("demo", "--delay-ms", "10", "-c", "2", "--format", "json", "-T");
    assertThat(after.target()).isEqualTo(new Target.Demo(-1, 10));
    assertThat(after.interval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(after.count()).isEqualTo(2);
    assertThat(after.format()).isEqualTo("json");
    assertThat(after.topN()).isEqualTo(10);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "-p abc|-p needs a process id (a positive whole number), not 'abc'.",
        "-p -5|-p needs a process id (a positive whole number), not '-5'.",
        "-p 0|-p needs a process id (a positive whole number), not '0'.",
        "-p 1 -i -5|-i needs a positive number of seconds (such as 10 or 0.5), not '-5'.",
        "-p 1 -i 0|-i needs a positive number of seconds (such as 10 or 0.5) of at least 0.001,"
            + " not '0'.",
        "-p 1 -i x|-i needs a positive number of seconds (such as 10 or 0.5), not 'x'.",
        "-p 1 -c -1|-c needs a report count (0 or more), not '-1'.",
        "-p 1 -T -1|-T needs a number of stacks (0 for all), not '-1'.",
        "-p 1 -m -2|-m needs a minimum count of allocations (0 or more), not '-2'.",
        "-p 1 --sort size|--sort takes count, bytes or growth, not 'size'.",
        "-p 1 --format xml|--format takes text, json or collapsed, not 'xml'.",
        "-p 1 --debuginfod no|--debuginfod takes on or off, not 'no'.",
        "-p 1 --min-size 4T|--min-size needs a size in bytes (such as 4096, 64K, 2M or 1G), not"
            + " '4T'.",
        "-p 1 --min-size 2M --max-size 1M|--min-size (2097152 bytes) is larger than --max-size"
            + " (1048576 bytes).",
        "-p 1 --older-than 3d|--older-than needs a duration such as 500ms, 30s, 5m or 1h, not"
            + " '3d'.",
        "-p 1 --source-option nokey|--source-option needs KEY=VALUE, not 'nokey'.",
        "-p 1 --source-option =v|--source-option needs KEY=VALUE, not '=v'.",
        "-p 1 --prometheus-port 70000|--prometheus-port needs a port (1 to 65535), not '70000'.",
        "-p 1 --prometheus-host 0.0.0.0|--prometheus-host needs --prometheus-port too.",
        "-p 1 --otel-endpoint localhost:4318|--otel-endpoint needs an http or https URL such as"
            + " http://127.0.0.1:4318, not 'localhost:4318'.",
        "-p 1 -P x|Give only one of -p, -P, a command after -- and demo, not -p and -P.",
        "-p 1 -- ls|Give only one of -p, -P, a command after -- and demo, not -p and a command"
            + " after --.",
        "-p 1 demo|Give only one of -p, -P, a command after -- and demo, not -p and demo.",
        "-i 2|Say what to trace: -p PID, -P NAME, -- COMMAND or demo (leakdetector --help shows"
            + " all options).",
        "sleep 10|Unexpected argument 'sleep'; put a command to launch after --, as in:"
            + " leakdetector -- sleep 10.",
        "-x|Unknown option: '-x'.",
        "--intervall 3 -p 1|Unknown option: '--intervall' (did you mean --interval?)",
        "-p|Missing required parameter for option '--pid' (PID).",
        "-p 1 -T 3 -T 4|option '--top' (N) should be specified only once.",
        "demo --rounds -1|--rounds needs a number of rounds (0: until stopped), not '-1'.",
        "--list -p 3|--list takes no process to trace.",
        "-p 1 --skip-frames (|--skip-frames needs a Java regular expression, not '(': unclosed"
            + " group.",
        "-p 1 --skip-frames *alloc|--skip-frames needs a Java regular expression, not '*alloc':"
            + " dangling meta character '*'.",
        "-p 1 --skip-frames a[b|--skip-frames needs a Java regular expression, not 'a[b': unclosed"
            + " character class.",
        "-p 1 --threads (GC|--threads needs a Java regular expression, not '(GC': unclosed group.",
      })
  void badValuesAreOneSentence(String args, String sentence) {
    assertThatThrownBy(() -> parse(args.split(" ")))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage(sentence)
        .extracting(e -> ((LeakDetectorException) e).kind())
        .isEqualTo(LeakDetectorException.Kind.USAGE);
  }

  @Test
  void unwindAndStackCopyBecomeTheUprobesSourcesSettings() throws Exception {
    CliOptions o = parse("-p", "1", "--unwind", "dwarf", "--stack-copy", "16k");
    assertThat(o.sourceOptions())
        .containsEntry("uprobes.unwind", "dwarf")
        .containsEntry("uprobes.stack-copy", "16384");
    assertThat(parse("-p", "1", "--unwind=fp").sourceOptions())
        .containsOnly(Map.entry("uprobes.unwind", "fp"));
    assertThatThrownBy(() -> parse("-p", "1", "--unwind", "frame"))
        .hasMessage("--unwind must be auto, dwarf or fp, not \"frame\".");
    assertThatThrownBy(() -> parse("-p", "1", "--stack-copy", "1000"))
        .hasMessage("--stack-copy must be a multiple of 512 bytes up to 64k, not 1000.");
    assertThatThrownBy(() -> parse("-p", "1", "--stack-copy", "128k"))
        .hasMessage("--stack-copy must be a multiple of 512 bytes up to 64k, not 128k.");
  }
}
