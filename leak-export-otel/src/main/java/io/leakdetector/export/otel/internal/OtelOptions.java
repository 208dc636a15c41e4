package io.leakdetector.export.otel.internal;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.ExporterContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The {@code otel} exporter's options, as the command line passes them in {@link
 * ExporterContext#options()}.
 *
 * @param endpoint the OTLP base URL ({@code --otel-endpoint}), like {@code
 *     OTEL_EXPORTER_OTLP_ENDPOINT}: metrics go to its path plus {@code /v1/metrics}; {@code null}
 *     when not given
 * @param prometheusHost the address the Prometheus endpoint listens on ({@code --prometheus-host})
 * @param prometheusPort the Prometheus endpoint's port ({@code --prometheus-port}), 0 for none
 */
public record OtelOptions(String endpoint, String prometheusHost, int prometheusPort) {

  /** Option name of the OTLP base URL. */
  public static final String ENDPOINT = "otel.endpoint";

  /** Option name of the Prometheus endpoint's port. */
  public static final String PROMETHEUS_PORT = "prometheus.port";

  /** Option name of the Prometheus endpoint's listen address. */
  public static final String PROMETHEUS_HOST = "prometheus.host";

  /** Where the Prometheus endpoint listens unless told otherwise: loopback only. */
  public static final String DEFAULT_PROMETHEUS_HOST = "127.0.0.1";

  /** Whether a Prometheus endpoint was asked for. */
  public boolean prometheus() {
    return prometheusPort != 0;
  }

  /** Reads and checks the options; a bad value is one sentence of kind USAGE. */
  public static OtelOptions parse(ExporterContext context) throws LeakDetectorException {
    String endpoint = blankToNull(context.option(ENDPOINT, null));
    if (endpoint != null) {
      checkEndpoint(endpoint);
    }
    String host = blankToNull(context.option(PROMETHEUS_HOST, null));
    String portText = blankToNull(context.option(PROMETHEUS_PORT, null));
    int port = portText == null ? 0 : parsePort(portText);
    if (host != null && port == 0) {
      throw usage("--prometheus-host needs --prometheus-port.");
    }
    return new OtelOptions(endpoint, host == null ? DEFAULT_PROMETHEUS_HOST : host, port);
  }

  private static void checkEndpoint(String endpoint) throws LeakDetectorException {
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      throw usage("The OpenTelemetry endpoint '" + endpoint + "' is not a valid URL.");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw usage(
          "The OpenTelemetry endpoint '" + endpoint + "' is not an http:// or https:// URL.");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw usage(
          "The OpenTelemetry endpoint '" + endpoint + "' must have no query and no fragment.");
    }
  }

  private static int parsePort(String text) throws LeakDetectorException {
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw usage("The Prometheus port '" + text + "' is not a number from 1 to 65535.");
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static LeakDetectorException usage(String message) {
    return new LeakDetectorException(LeakDetectorException.Kind.USAGE, message);
  }
}
