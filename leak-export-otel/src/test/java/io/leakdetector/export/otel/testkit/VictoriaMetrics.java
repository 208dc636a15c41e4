package io.leakdetector.export.otel.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The real OTLP backend of the end-to-end tests: a VictoriaMetrics server started by {@code bash
 * .ci/victoria-metrics.sh start}, found through the environment variable {@value #ENV} (or the
 * system property {@value #PROPERTY}), for example {@code http://127.0.0.1:8428}.
 *
 * <p>Metrics are pushed to {@link #otlpEndpoint()} and read back through VictoriaMetrics' own
 * Prometheus-compatible query API. The server runs with {@code -opentelemetry.usePrometheusNaming}:
 * {@code leak.stack.outstanding.bytes} is queried as {@code leak_stack_outstanding_bytes}, counters
 * get {@code _total}, and resource attributes become labels ({@code process_pid}, {@code
 * service_name}).
 */
public final class VictoriaMetrics {
  public static final String ENV = "LEAKDETECTOR_OTLP_BACKEND";
  public static final String PROPERTY = "leakdetector.otlp.backend";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private VictoriaMetrics(URI base) {
    this.base = base;
  }

  /**
   * The backend named by {@value #ENV} or {@value #PROPERTY}, checked to answer {@code /health}.
   * When it is not named or does not answer, the test is skipped, or fails when {@code CI=true}.
   */
  public static VictoriaMetrics fromEnvironment() {
    String url = System.getProperty(PROPERTY);
    if (url == null || url.isBlank()) {
      url = System.getenv(ENV);
    }
    Prerequisite.require(
        url != null && !url.isBlank(),
        "No OTLP backend: set "
            + ENV
            + " (run `bash .ci/victoria-metrics.sh start` and export "
            + ENV
            + "=http://127.0.0.1:8428)");
    VictoriaMetrics backend = new VictoriaMetrics(URI.create(url.replaceAll("/+$", "")));
    Prerequisite.require(backend.healthy(), "The OTLP backend at " + url + " does not answer");
    return backend;
  }

  /** The server's base URL. */
  public URI base() {
    return base;
  }

  /**
   * The OTLP base URL to give an exporter ({@code --otel-endpoint}): the SDK appends {@code
   * /v1/metrics}, which makes VictoriaMetrics' {@code /opentelemetry/v1/metrics}.
   */
  public String otlpEndpoint() {
    return base + "/opentelemetry";
  }

  /** Whether {@code /health} answers. */
  public boolean healthy() {
    try {
      return get("/health").statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs a PromQL instant query now (no cache) and returns its samples. */
  public List<Sample> query(String promQl) throws IOException, InterruptedException {
    HttpResponse<String> response =
        get("/api/v1/query?nocache=1&query=" + URLEncoder.encode(promQl, StandardCharsets.UTF_8));
    if (response.statusCode() != 200) {
      throw new IOException(
          "query " + promQl + " answered HTTP " + response.statusCode() + ": " + response.body());
    }
    JsonNode root = JSON.readTree(response.body());
    if (!"success".equals(root.path("status").asText())) {
      throw new IOException("query " + promQl + " failed: " + response.body());
    }
    List<Sample> samples = new ArrayList<>();
    for (JsonNode result : root.path("data").path("result")) {
      Map<String, String> labels = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> field : result.path("metric").properties()) {
        labels.put(field.getKey(), field.getValue().asText());
      }
      samples.add(new Sample(labels, result.path("value").path(1).asText()));
    }
    return samples;
  }

  /**
   * Polls a query until its samples satisfy {@code done} or {@code timeout} passes, making the
   * server flush its freshly ingested data first each time ({@code /internal/force_flush}: a new
   * series is not visible to queries before that). Returns the last samples seen either way.
   */
  public List<Sample> await(String promQl, Predicate<List<Sample>> done, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      get("/internal/force_flush");
      List<Sample> samples = query(promQl);
      if (done.test(samples) || System.nanoTime() > deadline) {
        return samples;
      }
      Thread.sleep(100);
    }
  }

  /** Polls until the query returns at least one sample; see {@link #await}. */
  public List<Sample> awaitAny(String promQl, Duration timeout)
      throws IOException, InterruptedException {
    return await(promQl, samples -> !samples.isEmpty(), timeout);
  }

  private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /**
   * One series of a query's result.
   *
   * @param labels the series' labels, {@code __name__} included
   * @param value the value exactly as the server wrote it ({@code "40960"})
   */
  public record Sample(Map<String, String> labels, String value) {
    public String label(String name) {
      return labels.get(name);
    }
  }
}
