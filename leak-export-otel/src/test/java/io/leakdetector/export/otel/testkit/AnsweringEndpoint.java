package io.leakdetector.export.otel.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback HTTP server that answers every request with one fixed status and body: a stand-in for
 * an OTLP receiver that refuses (503, 400, …). It reads each request body whole and keeps what it
 * was asked ({@code POST /v1/metrics application/x-protobuf}).
 */
public final class AnsweringEndpoint implements AutoCloseable {
  private final HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private AnsweringEndpoint(int status, String body) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            answer(exchange, status, bytes);
          }
        });
    server.start();
  }

  /** Starts a server answering {@code status} with a plain-text {@code body} (may be empty). */
  public static AnsweringEndpoint answering(int status, String body) throws IOException {
    return new AnsweringEndpoint(status, body);
  }

  private void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
    long read;
    try (InputStream in = exchange.getRequestBody()) {
      read = in.transferTo(OutputStream.nullOutputStream());
    }
    requests.add(
        exchange.getRequestMethod()
            + " "
            + exchange.getRequestURI().getPath()
            + " "
            + exchange.getRequestHeaders().getFirst("Content-Type")
            + (read > 0 ? "" : " (empty)"));
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** The base URL to pass as {@code otel.endpoint}: {@code http://127.0.0.1:PORT}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** What was asked so far, one entry per request: method, path, content type. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
