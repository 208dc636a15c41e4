package io.leakdetector.export.otel.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scrapes a Prometheus endpoint over HTTP, as Prometheus would, and parses the text exposition
 * format into samples.
 */
public final class PrometheusScrape {
  private PrometheusScrape() {}

  /**
   * One sample line.
   *
   * @param name the metric name
   * @param labels its labels
   * @param value the value exactly as written ({@code "40960"})
   */
  public record Sample(String name, Map<String, String> labels, String value) {
    public String label(String label) {
      return labels.get(label);
    }
  }

  /** GETs {@code url} (with the Prometheus text format accepted) and parses the body. */
  public static List<Sample> scrape(URI url) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .header("Accept", "text/plain;version=0.0.4")
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("scrape of " + url + " answered HTTP " + response.statusCode());
    }
    return parse(response.body());
  }

  /** Parses the Prometheus text exposition format; comments and blank lines are skipped. */
  public static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      samples.add(parseLine(line));
    }
    return samples;
  }

  /** The samples of one metric. */
  public static List<Sample> named(List<Sample> samples, String name) {
    return samples.stream().filter(sample -> sample.name().equals(name)).toList();
  }

  private static Sample parseLine(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int equals = line.indexOf('=', i);
        String label = line.substring(i, equals).strip();
        i = equals + 2; // past ="
        StringBuilder value = new StringBuilder();
        while (line.charAt(i) != '"') {
          char c = line.charAt(i++);
          if (c == '\\') {
            char escaped = line.charAt(i++);
            value.append(escaped == 'n' ? '\n' : escaped);
          } else {
            value.append(c);
          }
        }
        labels.put(label, value.toString());
        i++; // past the closing quote
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++; // past }
    }
    String[] rest = line.substring(i).strip().split("\\s+");
    return new Sample(name, labels, rest[0]);
  }
}
