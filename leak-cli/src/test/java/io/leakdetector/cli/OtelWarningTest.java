package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.CliHarness.Result;
import io.leakdetector.export.otel.testkit.AnsweringEndpoint;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the command prints when the OTLP endpoint fails: per report one line on its standard error
 * naming the endpoint and the HTTP status or the connection error (the {@code otel} exporter's
 * System.Logger warning, printed by the command), nothing from OpenTelemetry itself, and tracing
 * goes on to exit 0.
 */
class OtelWarningTest {
  private static final String SELF = Long.toString(ProcessHandle.current().pid());

  private static Result traceTwice(String endpoint) {
    return CliHarness.run(
        "-p", SELF, "--source", "scripted", "-i", "0.1", "-c", "2", "--otel-endpoint", endpoint);
  }

  /** The lines about OpenTelemetry (the others say what is traced). */
  private static List<String> otelLines(Result r) {
    return r.err().lines().filter(line -> !line.startsWith("leakdetector: tracing pid")).toList();
  }

  @Test
  void anEndpointAnsweringAnErrorStatusIsNamedWithTheStatusOncePerReport() throws Exception {
    try (AnsweringEndpoint receiver = AnsweringEndpoint.answering(503, "")) {
      Result r = traceTwice(receiver.baseUrl());

      assertThat(r.exitCode()).as(r.err()).isZero();
      String line =
          "leakdetector: the OpenTelemetry export to "
              + receiver.baseUrl()
              + "/v1/metrics failed (HTTP 503); tracing goes on.";
      assertThat(otelLines(r)).as(r.err()).containsExactly(line, line);
      assertThat(r.out()).containsOnlyOnce("final report: report count reached");
    }
  }

  @Test
  void aClosedPortIsNamedAsAConnectionErrorOncePerReport() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port;
    Result r = traceTwice(endpoint);

    assertThat(r.exitCode()).as(r.err()).isZero();
    String line =
        "leakdetector: the OpenTelemetry export to "
            + endpoint
            + "/v1/metrics failed (cannot connect); tracing goes on.";
    assertThat(otelLines(r)).as(r.err()).containsExactly(line, line);
  }
}
