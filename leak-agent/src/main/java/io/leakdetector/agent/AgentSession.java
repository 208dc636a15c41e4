package io.leakdetector.agent;

import io.leakdetector.LeakDetector;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakSession;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.spi.ExporterContext;
import io.leakdetector.spi.SnapshotExporters;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The agent's session: this JVM traced from a daemon thread, reports every interval to the
 * exporters, and a final report from a shutdown hook, which then removes the probes.
 */
final class AgentSession {
  /** What follows every sentence that turns the agent off. */
  static final String OFF = "The agent is off; the application runs without it.";

  private AgentSession() {}

  /** Opens and starts the session; a failure is one sentence on {@code err}. */
  static void start(AgentSettings settings, PrintStream err) {
    PrintStream reports = null;
    List<SnapshotExporter> exporters = new ArrayList<>();
    try {
      reports = reports(settings, err);
      for (String name : settings.exporters()) {
        exporters.add(SnapshotExporters.create(name, new ExporterContext(reports, Map.of())));
      }
      LeakDetector.Builder builder =
          LeakDetector.builder()
              .self()
              .interval(settings.interval())
              .topN(settings.top())
              .sortOrder(settings.sort());
      exporters.forEach(builder::exporter);
      LeakSession session = builder.build().open();
      exporters.clear(); // the session closes them from now on
      PrintStream output = reports;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> finish(session, output, err), "leakdetector-agent-final"));
      session.start();
    } catch (LeakDetectorException | IOException | RuntimeException e) {
      exporters.forEach(AgentSession::closeQuietly);
      if (reports != null && reports != err) {
        reports.close();
      }
      err.println(Agent.PREFIX + sentence(e) + " " + OFF);
    }
  }

  /** The final report, then the probes removed and the exporters and the output file closed. */
  private static void finish(LeakSession session, PrintStream reports, PrintStream err) {
    try {
      session.stop();
      session.close();
    } catch (RuntimeException e) {
      err.println(Agent.PREFIX + "the final report failed: " + sentence(e));
    } finally {
      reports.flush();
      if (reports != err) {
        reports.close();
      }
    }
  }

  private static PrintStream reports(AgentSettings settings, PrintStream err) throws IOException {
    if (settings.output() == null) {
      return err;
    }
    OutputStream file = Files.newOutputStream(settings.output());
    return new PrintStream(new BufferedOutputStream(file, 1 << 16), false, StandardCharsets.UTF_8);
  }

  private static String sentence(Exception e) {
    String message = e.getMessage();
    if (e instanceof IOException) {
      return "cannot write the reports to " + message + " (" + e.getClass().getSimpleName() + ").";
    }
    if (message == null || message.isBlank()) {
      return "tracing failed (" + e.getClass().getName() + ").";
    }
    return message.endsWith(".") ? message : message + ".";
  }

  private static void closeQuietly(SnapshotExporter exporter) {
    try {
      exporter.close();
    } catch (RuntimeException e) {
      // the sentence about the first failure is what the user needs
    }
  }
}
