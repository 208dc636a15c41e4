package io.leakdetector.symbols.linux;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A debuginfod server on 127.0.0.1 for tests: {@code GET /buildid/<id>/debuginfo} answers with the
 * file served for that build id, else 404. It records every request path, and can hold its answers
 * until released, as a server that is slow to answer does.
 */
final class LoopbackDebuginfod implements AutoCloseable {
  private static final Pattern DEBUGINFO = Pattern.compile("/buildid/([0-9a-f]+)/debuginfo");

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Map<String, Path> files = new ConcurrentHashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private volatile CountDownLatch release = new CountDownLatch(0);
  private final CountDownLatch arrived = new CountDownLatch(1);

  private LoopbackDebuginfod(HttpServer server) {
    this.server = server;
  }

  static LoopbackDebuginfod start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    LoopbackDebuginfod debuginfod = new LoopbackDebuginfod(server);
    server.createContext("/", debuginfod::handle);
    server.setExecutor(debuginfod.threads);
    server.start();
    return debuginfod;
  }

  /** The base URL, as {@code DEBUGINFOD_URLS} names it. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Serves {@code file} as the debug file of {@code buildId}. */
  void serve(String buildId, Path file) {
    files.put(buildId, file);
  }

  /** From now on every answer waits until {@link #release()}. */
  void holdAnswers() {
    release = new CountDownLatch(1);
  }

  void release() {
    release.countDown();
  }

  /** Whether answers are still held. */
  boolean holding() {
    return release.getCount() > 0;
  }

  /** Waits until the first request came in. */
  boolean awaitFirstRequest(long seconds) throws InterruptedException {
    return arrived.await(seconds, TimeUnit.SECONDS);
  }

  /** Every request path so far. */
  List<String> requests() {
    return List.copyOf(requests);
  }

  /** The requests for the debug file of this build id so far. */
  long requestsFor(String buildId) {
    return requests.stream().filter(p -> p.equals("/buildid/" + buildId + "/debuginfo")).count();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      requests.add(path);
      arrived.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      Matcher m = DEBUGINFO.matcher(path);
      Path file = m.matches() ? files.get(m.group(1)) : null;
      if (file == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] body = Files.readAllBytes(file);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops answering; held answers are let go first. */
  @Override
  public void close() {
    release();
    server.stop(0);
    threads.shutdownNow();
  }
}
