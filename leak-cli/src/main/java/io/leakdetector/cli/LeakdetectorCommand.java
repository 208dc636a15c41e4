package io.leakdetector.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * The command line as picocli sees it: raw values only. {@link OptionsParser} checks them and turns
 * them into {@link CliOptions}; nothing here is trusted before that.
 */
@Command(
    name = "leakdetector",
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = false,
    usageHelpWidth = 80,
    subcommands = {LeakdetectorCommand.Demo.class},
    synopsisHeading = "Usage: ",
    customSynopsis = {
      "leakdetector -p PID | -P NAME [-i SECONDS] [-c COUNT] [-T [N]] [-m MIN]",
      "                    [-C] [options]",
      "       leakdetector [options] -- COMMAND [ARGS...]",
      "       leakdetector [options] demo [--rounds N] [--delay-ms MS]",
      "       leakdetector --list | --help | --version",
    },
    descriptionHeading = "%n",
    description = {
      "Live native-heap leak detector: traces a process's allocations through the operating"
          + " system's own tracing (uprobes on Linux, ETW on Windows), keeps every allocation"
          + " not yet freed per call stack and reports the stacks that hold the most.",
      "",
      "Without -i a report is printed only when tracing ends: Ctrl+C, or the target's exit."
          + " With -c but no -i a report comes every 5 seconds.",
    },
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands:%n",
    footerHeading = "%n",
    footer = {
      "Sizes take a suffix K, M or G (powers of 1024), as in --min-size 4K.",
      "Durations take ms, s, m or h, as in --older-than 30s; a bare number is seconds.",
      "--otel-endpoint and --prometheus-port turn the otel exporter on by themselves.",
      "",
      "Exit codes:",
      "  0  tracing ended: report count reached, target exited, or Ctrl+C;",
      "     also --help, --version and --list",
      "  1  an unexpected internal failure (--debug or LEAKDETECTOR_DEBUG=1 shows",
      "     its stack trace)",
      "  2  bad usage, no such process, not permitted, no source available here,",
      "     launch failed, output file not writable",
      "  3  tracing failed while running; the report gathered until then is printed",
      "",
      "Examples:",
      "  leakdetector -p 4242 -i 10 -c 6     six reports, one every 10 seconds",
      "  leakdetector -P myserver -T 5 -C    top 5 stacks at Ctrl+C, screen cleared",
      "  leakdetector -i 5 --format json -o leaks.ndjson -- ./myprog --flag",
      "  leakdetector -p 4242 -i 15 --otel-endpoint http://127.0.0.1:4318",
      "  leakdetector demo                   the bundled demo: 5 reports, 2 s apart",
    })
final class LeakdetectorCommand {

  @Option(
      names = {"-p", "--pid"},
      paramLabel = "PID",
      scope = ScopeType.INHERIT,
      description = "Trace the running process with this id.")
  String pid;

  @Option(
      names = {"-P", "--pname"},
      paramLabel = "NAME",
      scope = ScopeType.INHERIT,
      description =
          "Trace the one running process whose executable is called NAME (several: they are"
              + " listed and nothing is traced).")
  String processName;

  @Option(
      names = {"-i", "--interval"},
      paramLabel = "SECONDS",
      scope = ScopeType.INHERIT,
      description =
          "Seconds between reports, fractions allowed (0.5). None: report only at the end.")
  String interval;

  @Option(
      names = {"-c", "--count"},
      paramLabel = "COUNT",
      scope = ScopeType.INHERIT,
      description = "Stop after COUNT reports (0: until stopped, the default).")
  String count;

  @Option(
      names = {"-T", "--top"},
      paramLabel = "N",
      arity = "0..1",
      fallbackValue = "10",
      scope = ScopeType.INHERIT,
      description = "Report the top N stacks (default 10; 0: all; -T alone: 10).")
  String top;

  @Option(
      names = {"-m", "--minsamples"},
      paramLabel = "MIN",
      scope = ScopeType.INHERIT,
      description = "Report only stacks with at least MIN outstanding allocations (default 1).")
  String minSamples;

  @Option(
      names = {"-C", "--clear"},
      scope = ScopeType.INHERIT,
      description = "Clear the screen before each report.")
  boolean clear;

  @Option(
      names = "--sort",
      paramLabel = "ORDER",
      scope = ScopeType.INHERIT,
      description =
          "Order of the stacks: count (outstanding allocations, the default), bytes"
              + " (outstanding bytes) or growth (bytes since the previous report).")
  String sort;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      scope = ScopeType.INHERIT,
      description =
          "Report format on standard output or --output: text (default), json (one document a"
              + " line) or collapsed (flame graph input, of the final report).")
  String format;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description =
          "Write the --format reports to FILE (replaced) instead of standard output;"
              + " --exporter ones still write to standard output.")
  String output;

  @Option(
      names = "--exporter",
      paramLabel = "NAME",
      split = ",",
      scope = ScopeType.INHERIT,
      description = "Also hand every report to this exporter (repeatable), e.g. otel.")
  List<String> exporters = new ArrayList<>();

  @Option(
      names = "--exporter-option",
      paramLabel = "KEY=VALUE",
      scope = ScopeType.INHERIT,
      description = "A setting for the exporters (repeatable), e.g. collapsed.every=true.")
  List<String> exporterOptions = new ArrayList<>();

  @Option(
      names = "--otel-endpoint",
      paramLabel = "URL",
      scope = ScopeType.INHERIT,
      description =
          "Base URL of the OTLP receiver the otel exporter pushes to (else"
              + " OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318).")
  String otelEndpoint;

  @Option(
      names = "--prometheus-port",
      paramLabel = "PORT",
      scope = ScopeType.INHERIT,
      description = "Serve the metrics for Prometheus to scrape on this port.")
  String prometheusPort;

  @Option(
      names = "--prometheus-host",
      paramLabel = "HOST",
      scope = ScopeType.INHERIT,
      description = "Address the Prometheus endpoint binds to (default 127.0.0.1).")
  String prometheusHost;

  @Option(
      names = "--min-size",
      paramLabel = "BYTES",
      scope = ScopeType.INHERIT,
      description = "Ignore allocations smaller than BYTES.")
  String minSize;

  @Option(
      names = "--max-size",
      paramLabel = "BYTES",
      scope = ScopeType.INHERIT,
      description = "Ignore allocations larger than BYTES.")
  String maxSize;

  @Option(
      names = "--older-than",
      paramLabel = "DURATION",
      scope = ScopeType.INHERIT,
      description = "Count only allocations at least this old, e.g. 500ms, 30s, 5m, 1h.")
  String olderThan;

  @Option(
      names = "--kernel",
      scope = ScopeType.INHERIT,
      description = "Keep kernel frames in the stacks (dropped by default).")
  boolean kernel;

  @Option(
      names = "--unwind",
      paramLabel = "MODE",
      description =
          "How allocation stacks are unwound on Linux: auto (the default: call frame information"
              + " over a copy of the stack where frame pointers are missing, frame pointers where"
              + " they work), dwarf (call frame information only) or fp (frame pointers only).")
  String unwind;

  @Option(
      names = "--stack-copy",
      paramLabel = "BYTES",
      description =
          "Bytes of user stack copied at each allocation for unwinding on Linux (a multiple of"
              + " 512, e.g. 4k, 16k; default 2k, 0 with --unwind fp).")
  String stackCopy;

  @Option(
      names = "--skip-frames",
      paramLabel = "REGEX",
      scope = ScopeType.INHERIT,
      description =
          "Leave frames whose function REGEX matches out of the top of every stack; stacks"
              + " left the same are reported as one (repeatable). A Java regular expression"
              + " matching the whole demangled name or module!function, such as 'xmalloc'."
              + " Added to the default set of C++ allocator internals (operator new,"
              + " std::allocator<T>::allocate, ...); none: without the default set.")
  List<String> skipFrames = new ArrayList<>();

  @Option(
      names = "--by-thread",
      scope = ScopeType.INHERIT,
      description =
          "Split stacks by the name of the thread that allocated (Linux: the thread's comm, as"
              + " pthread_setname_np and the JVM set it, 15 characters at most): reports show it"
              + " per stack.")
  boolean byThread;

  @Option(
      names = "--threads",
      paramLabel = "REGEX",
      scope = ScopeType.INHERIT,
      description =
          "Count only the allocations of threads whose name REGEX finds (a Java regular"
              + " expression, e.g. 'worker' or '^GC Thread'); the others' are counted as"
              + " filtered. Implies --by-thread.")
  String threads;

  @Option(
      names = "--debuginfod",
      paramLabel = "on|off",
      scope = ScopeType.INHERIT,
      description =
          "Fetch debug files missing here from the debuginfod servers in DEBUGINFOD_URLS, in the"
              + " background; frames are named once a file arrives: on (the default, which does"
              + " nothing while DEBUGINFOD_URLS is unset) or off (no network lookups).")
  String debuginfod;

  @Option(
      names = "--source",
      paramLabel = "NAME",
      scope = ScopeType.INHERIT,
      description = "Heap event source: uprobes or etw (default: the first available here).")
  String source;

  @Option(
      names = "--source-option",
      paramLabel = "KEY=VALUE",
      scope = ScopeType.INHERIT,
      description = "A setting for the source (repeatable), such as uprobes.ring-kib=64.")
  List<String> sourceOptions = new ArrayList<>();

  @Option(
      names = "--list",
      description =
          "List the sources (and whether they work here), exporters and symbol resolvers.")
  boolean list;

  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Show the stack trace of an internal failure.")
  boolean debug;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      scope = ScopeType.INHERIT,
      description = "Show this help and exit.")
  boolean help;

  @Option(
      names = {"-V", "--version"},
      versionHelp = true,
      description = "Show the version and exit.")
  boolean version;

  @Parameters(
      paramLabel = "COMMAND",
      arity = "0..*",
      description = "After --: a command to launch and trace from its first instruction.")
  List<String> command = new ArrayList<>();

  /** {@code leakdetector demo}: launches the bundled native demo program and traces it. */
  @Command(
      name = "demo",
      sortOptions = false,
      usageHelpAutoWidth = false,
      usageHelpWidth = 80,
      description = {
        "Launch the bundled native demo program, which leaks in known patterns from named"
            + " functions, and trace it. Unless given, -i is 2 and -c is 5; every option of"
            + " leakdetector applies.",
      },
      optionListHeading = "%nOptions:%n")
  static final class Demo {
    @Option(
        names = "--rounds",
        paramLabel = "N",
        description = "Rounds of leaks the demo makes (default 0: until tracing ends).")
    String rounds;

    @Option(
        names = "--delay-ms",
        paramLabel = "MS",
        description = "Milliseconds the demo waits between rounds (default 1000).")
    String delayMs;
  }
}
