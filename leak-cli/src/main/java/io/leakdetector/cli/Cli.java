package io.leakdetector.cli;

import io.leakdetector.LeakDetectorException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code leakdetector} command from arguments to exit code: parse, check, then list or trace.
 * Every failure the user can act on is one sentence on standard error, prefixed with {@code
 * leakdetector: }; only an internal failure with {@code --debug} shows a stack trace.
 */
final class Cli {
  static final String PREFIX = "leakdetector: ";
  static final String TRY_HELP = "Try 'leakdetector --help' for more information.";

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final Supplier<StopRequests> stops;

  /**
   * @param env the environment ({@code LEAKDETECTOR_DEBUG}, {@code LEAKDETECTOR_DEMO})
   * @param stops makes the stop requests of a tracing run (signals in the real command)
   */
  Cli(PrintStream out, PrintStream err, Map<String, String> env, Supplier<StopRequests> stops) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.stops = stops;
  }

  int run(String... args) {
    boolean debug = debugRequested(args);
    try (LibraryLog log = LibraryLog.to(err, debug)) {
      CliOptions options = parse(args, debug);
      if (options == null) {
        return ExitCodes.OK;
      }
      if (options.list()) {
        Inventory.print(out);
        return ExitCodes.OK;
      }
      try (StopRequests requests = stops.get()) {
        return new TraceRun(out, err, env).run(options, requests);
      }
    } catch (LeakDetectorException e) {
      if (e.kind() == LeakDetectorException.Kind.USAGE) {
        return usageError(e.getMessage());
      }
      err.println(PREFIX + e.getMessage());
      if (debug && e.getCause() != null) {
        e.getCause().printStackTrace(err);
      }
      return ExitCodes.of(e);
    } catch (RuntimeException | Error e) {
      err.println(PREFIX + "internal error: " + e + (debug ? "" : " (--debug shows where)."));
      if (debug) {
        e.printStackTrace(err);
      }
      return ExitCodes.INTERNAL;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /**
   * Parses and checks the arguments.
   *
   * @return the options, or {@code null} when help or the version was asked for (and printed)
   * @throws LeakDetectorException of kind {@link LeakDetectorException.Kind#USAGE} for a bad
   *     command line, with one sentence
   */
  CliOptions parse(String[] args, boolean debug) throws LeakDetectorException {
    LeakdetectorCommand raw = new LeakdetectorCommand();
    CommandLine commandLine = commandLine(raw);
    ParseResult parsed;
    try {
      parsed = commandLine.parseArgs(args);
    } catch (ParameterException e) {
      throw new LeakDetectorException(LeakDetectorException.Kind.USAGE, sentence(e), e);
    }
    if (CommandLine.printHelpIfRequested(parsed)) {
      return null;
    }
    LeakdetectorCommand.Demo demo =
        parsed.hasSubcommand()
            ? (LeakdetectorCommand.Demo) parsed.subcommand().commandSpec().userObject()
            : null;
    return OptionsParser.parse(raw, demo, Arrays.asList(args).contains("--"), debug);
  }

  private CommandLine commandLine(LeakdetectorCommand raw) {
    CommandLine commandLine = new CommandLine(raw);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    commandLine.setColorScheme(CommandLine.Help.defaultColorScheme(Ansi.OFF));
    commandLine.setPosixClusteredShortOptionsAllowed(true);
    return commandLine;
  }

  private int usageError(String sentence) {
    err.println(PREFIX + sentence);
    err.println(TRY_HELP);
    return ExitCodes.CANNOT_TRACE;
  }

  /** picocli's message as one sentence; an unknown option gets picocli's suggestion, if any. */
  static String sentence(ParameterException e) {
    String message = firstLine(e.getMessage());
    if (e instanceof UnmatchedArgumentException unmatched) {
      List<String> suggestions = unmatched.getSuggestions();
      if (!suggestions.isEmpty()) {
        message = message + " (did you mean " + String.join(" or ", suggestions) + "?)";
      }
    }
    return withPeriod(message);
  }

  private boolean debugRequested(String[] args) {
    String value = env.getOrDefault("LEAKDETECTOR_DEBUG", "");
    return Arrays.asList(args).contains("--debug")
        || value.equals("1")
        || value.equalsIgnoreCase("true");
  }

  private static String firstLine(String text) {
    if (text == null || text.isBlank()) {
      return "The command line is not valid";
    }
    int newline = text.indexOf('\n');
    return (newline < 0 ? text : text.substring(0, newline)).strip();
  }

  private static String withPeriod(String text) {
    String t = text == null ? "" : text.strip();
    return t.endsWith(".") || t.endsWith("?)") ? t : t + ".";
  }
}
