package io.leakdetector.cli;

import static io.leakdetector.cli.Values.usage;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.SkipFrames;
import io.leakdetector.SortOrder;
import io.leakdetector.cli.CliOptions.Target;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Checks the raw command line and turns it into {@link CliOptions}. */
final class OptionsParser {

  /** The report formats {@code --format} takes; each is the name of an exporter. */
  static final List<String> FORMATS = List.of("text", "json", "collapsed");

  /** The value of {@code --skip-frames} that turns the default set off. */
  static final String NO_DEFAULT_SKIP_FRAMES = "none";

  /** With {@code -c} but no {@code -i}, a report comes this often (the original tool's way). */
  static final Duration DEFAULT_INTERVAL_WITH_COUNT = Duration.ofSeconds(5);

  /** {@code leakdetector demo}'s interval unless {@code -i} is given. */
  static final Duration DEMO_INTERVAL = Duration.ofSeconds(2);

  /** {@code leakdetector demo}'s report count unless {@code -c} is given. */
  static final int DEMO_COUNT = 5;

  private OptionsParser() {}

  /**
   * @param raw the parsed command line
   * @param demo the {@code demo} subcommand's values when it was given, else {@code null}
   * @param dashDash whether the arguments contained {@code --} (a command to launch follows it)
   * @param debugEnv whether the environment asks for stack traces ({@code LEAKDETECTOR_DEBUG=1})
   */
  static CliOptions parse(
      LeakdetectorCommand raw, LeakdetectorCommand.Demo demo, boolean dashDash, boolean debugEnv)
      throws LeakDetectorException {
    Target target = raw.list ? null : target(raw, demo, dashDash);
    if (raw.list && (demo != null || raw.pid != null || raw.processName != null)) {
      throw usage("--list takes no process to trace.");
    }

    int count =
        raw.count == null ? 0 : Values.count("-c", raw.count, 0, "a report count (0 or more)");
    Duration interval;
    if (raw.interval != null) {
      interval = Values.positiveSeconds("-i", raw.interval);
    } else if (demo != null) {
      interval = DEMO_INTERVAL;
    } else if (count > 0) {
      interval = DEFAULT_INTERVAL_WITH_COUNT;
    } else {
      interval = Duration.ZERO;
    }
    if (demo != null && raw.count == null) {
      count = DEMO_COUNT;
    }

    int topN =
        raw.top == null ? 10 : Values.count("-T", raw.top, 0, "a number of stacks (0 for all)");
    long minSamples =
        raw.minSamples == null
            ? 1
            : Values.nonNegative(
                "-m", raw.minSamples, "a minimum count of allocations (0 or more)");

    SortOrder sort = sort(raw.sort);
    String format = format(raw.format);
    Path output = output(raw.output);

    long minSize = raw.minSize == null ? 0 : Values.size("--min-size", raw.minSize);
    long maxSize = raw.maxSize == null ? Long.MAX_VALUE : Values.size("--max-size", raw.maxSize);
    if (minSize > maxSize) {
      throw usage(
          "--min-size (" + minSize + " bytes) is larger than --max-size (" + maxSize + " bytes).");
    }
    Duration olderThan =
        raw.olderThan == null ? Duration.ZERO : Values.duration("--older-than", raw.olderThan);

    Map<String, String> exporterOptions = keyValues("--exporter-option", raw.exporterOptions);
    if (raw.clear) {
      exporterOptions.put("clear", "true");
    }
    Set<String> exporters = new LinkedHashSet<>();
    for (String name : raw.exporters) {
      String trimmed = name.trim();
      if (trimmed.isEmpty()) {
        throw usage("--exporter needs an exporter name.");
      }
      exporters.add(trimmed);
    }
    otelOptions(raw, exporterOptions, exporters);
    exporters.remove(format);

    String source = raw.source;
    if (source != null && source.isBlank()) {
      throw usage("--source needs a source name, such as uprobes or etw.");
    }

    return new CliOptions(
        target,
        interval,
        count,
        topN,
        minSamples,
        raw.clear,
        sort,
        format,
        output,
        new ArrayList<>(exporters),
        exporterOptions,
        minSize,
        maxSize,
        olderThan,
        raw.kernel,
        skipFrames(raw.skipFrames),
        raw.byThread || raw.threads != null,
        threads(raw.threads),
        onOff("--debuginfod", raw.debuginfod, true),
        source == null ? null : source.trim(),
        sourceOptions(raw),
        raw.list,
        raw.debug || debugEnv);
  }

  private static Target target(
      LeakdetectorCommand raw, LeakdetectorCommand.Demo demo, boolean dashDash)
      throws LeakDetectorException {
    List<String> given = new ArrayList<>();
    if (raw.pid != null) {
      given.add("-p");
    }
    if (raw.processName != null) {
      given.add("-P");
    }
    if (!raw.command.isEmpty()) {
      given.add("a command after --");
    }
    if (demo != null) {
      given.add("demo");
    }
    if (given.isEmpty()) {
      throw usage(
          "Say what to trace: -p PID, -P NAME, -- COMMAND or demo (leakdetector --help shows"
              + " all options).");
    }
    if (given.size() > 1) {
      throw usage(
          "Give only one of -p, -P, a command after -- and demo, not "
              + String.join(" and ", given)
              + ".");
    }
    if (raw.pid != null) {
      return new Target.Pid(Values.pid("-p", raw.pid));
    }
    if (raw.processName != null) {
      if (raw.processName.isBlank()) {
        throw usage("-P needs a process name.");
      }
      return new Target.Name(raw.processName.trim());
    }
    if (demo != null) {
      int rounds =
          demo.rounds == null
              ? -1
              : Values.count("--rounds", demo.rounds, 0, "a number of rounds (0: until stopped)");
      long delay =
          demo.delayMs == null
              ? -1
              : Values.nonNegative("--delay-ms", demo.delayMs, "milliseconds (0 or more)");
      return new Target.Demo(rounds, delay);
    }
    if (!dashDash) {
      throw usage(
          "Unexpected argument '"
              + raw.command.get(0)
              + "'; put a command to launch after --, as in: leakdetector -- "
              + String.join(" ", raw.command)
              + ".");
    }
    return new Target.Launch(raw.command);
  }

  private static SortOrder sort(String value) throws LeakDetectorException {
    if (value == null) {
      return SortOrder.COUNT;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "count" -> SortOrder.COUNT;
      case "bytes" -> SortOrder.BYTES;
      case "growth" -> SortOrder.GROWTH;
      default -> throw usage("--sort takes count, bytes or growth, not '" + value + "'.");
    };
  }

  private static boolean onOff(String option, String value, boolean unset)
      throws LeakDetectorException {
    if (value == null) {
      return unset;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "on" -> true;
      case "off" -> false;
      default -> throw usage(option + " takes on or off, not '" + value + "'.");
    };
  }

  private static String format(String value) throws LeakDetectorException {
    if (value == null) {
      return "text";
    }
    String name = value.trim().toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(name)) {
      throw usage("--format takes text, json or collapsed, not '" + value + "'.");
    }
    return name;
  }

  private static Path output(String value) throws LeakDetectorException {
    if (value == null) {
      return null;
    }
    if (value.isBlank()) {
      throw usage("--output needs a file name.");
    }
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw usage("--output '" + value + "' is not a valid file name.");
    }
  }

  /**
   * Adds the otel exporter's settings; {@code --otel-endpoint} and {@code --prometheus-port} turn
   * the exporter on, since they mean nothing without it.
   */
  private static void otelOptions(
      LeakdetectorCommand raw, Map<String, String> options, Set<String> exporters)
      throws LeakDetectorException {
    if (raw.otelEndpoint != null) {
      options.put("otel.endpoint", endpoint(raw.otelEndpoint));
      exporters.add("otel");
    }
    if (raw.prometheusPort != null) {
      int port = Values.count("--prometheus-port", raw.prometheusPort, 1, "a port (1 to 65535)");
      if (port > 65535) {
        throw usage(
            "--prometheus-port needs a port (1 to 65535), not '" + raw.prometheusPort + "'.");
      }
      options.put("prometheus.port", Integer.toString(port));
      exporters.add("otel");
    }
    if (raw.prometheusHost != null) {
      if (raw.prometheusPort == null) {
        throw usage("--prometheus-host needs --prometheus-port too.");
      }
      if (raw.prometheusHost.isBlank()) {
        throw usage("--prometheus-host needs a host name or address.");
      }
      options.put("prometheus.host", raw.prometheusHost.trim());
    }
  }

  private static String endpoint(String value) throws LeakDetectorException {
    String sentence =
        "--otel-endpoint needs an http or https URL such as http://127.0.0.1:4318, not '"
            + value
            + "'.";
    try {
      URI uri = new URI(value.trim());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw usage(sentence);
      }
      return value.trim();
    } catch (URISyntaxException e) {
      throw usage(sentence);
    }
  }

  /** --source-option settings, with --unwind and --stack-copy as the uprobes source's own. */
  private static Map<String, String> sourceOptions(LeakdetectorCommand raw)
      throws LeakDetectorException {
    Map<String, String> options = keyValues("--source-option", raw.sourceOptions);
    if (raw.unwind != null) {
      String mode = raw.unwind.trim();
      if (!mode.equals("auto") && !mode.equals("dwarf") && !mode.equals("fp")) {
        throw usage("--unwind must be auto, dwarf or fp, not \"" + raw.unwind + "\".");
      }
      options.put("uprobes.unwind", mode);
    }
    if (raw.stackCopy != null) {
      long bytes = Values.size("--stack-copy", raw.stackCopy);
      if (bytes % 512 != 0 || bytes > 65536) {
        throw usage(
            "--stack-copy must be a multiple of 512 bytes up to 64k, not " + raw.stackCopy + ".");
      }
      options.put("uprobes.stack-copy", Long.toString(bytes));
    }
    return options;
  }

  /** The pattern of {@code --threads}, or null when not given. */
  private static Pattern threads(String value) throws LeakDetectorException {
    if (value == null) {
      return null;
    }
    if (value.isEmpty()) {
      throw usage("--threads needs a regular expression that thread names are matched against.");
    }
    return regex("--threads", value);
  }

  private static Pattern regex(String option, String value) throws LeakDetectorException {
    try {
      return Pattern.compile(value);
    } catch (PatternSyntaxException e) {
      throw usage(
          option
              + " needs a Java regular expression, not '"
              + value
              + "': "
              + e.getDescription().toLowerCase(Locale.ROOT)
              + ".");
    }
  }

  /**
   * The default set of {@link SkipFrames} and the patterns given, or the patterns given alone when
   * one of the values is {@value #NO_DEFAULT_SKIP_FRAMES}.
   */
  private static List<Pattern> skipFrames(List<String> values) throws LeakDetectorException {
    List<Pattern> given = new ArrayList<>();
    boolean withDefault = true;
    for (String value : values) {
      if (value.trim().equals(NO_DEFAULT_SKIP_FRAMES)) {
        withDefault = false;
        continue;
      }
      if (value.isEmpty()) {
        throw usage("--skip-frames needs a regular expression, or none.");
      }
      given.add(regex("--skip-frames", value));
    }
    List<Pattern> patterns = new ArrayList<>(withDefault ? SkipFrames.DEFAULT : List.of());
    patterns.addAll(given);
    return patterns;
  }

  private static Map<String, String> keyValues(String option, List<String> values)
      throws LeakDetectorException {
    Map<String, String> map = new LinkedHashMap<>();
    for (String value : values) {
      Map.Entry<String, String> entry = Values.keyValue(option, value);
      map.put(entry.getKey(), entry.getValue());
    }
    return map;
  }
}
