package io.leakdetector.symbols.linux;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fetches a separate debug file by build id from debuginfod servers ({@code GET
 * <server>/buildid/<BUILDID>/debuginfo}), through the client cache. Blocking: {@link
 * DebugFileDownloads} calls it on its own thread, never a resolving one.
 *
 * <p>The servers are asked in order until one has the file. A server that cannot be reached (no
 * connection, or no answer within the timeout) is passed over for {@link #UNREACHABLE_PAUSE}, so
 * that the next modules do not each wait for it again.
 */
final class DebuginfodClient {
  /** How long an unreachable server is passed over: elfutils' default {@code cache_miss_s}. */
  static final Duration UNREACHABLE_PAUSE = Duration.ofMinutes(10);

  private final DebuginfodSettings settings;
  private final DebuginfodCache cache;
  private final Map<URI, Long> unreachableUntil = new ConcurrentHashMap<>();
  private HttpClient http;

  DebuginfodClient(DebuginfodSettings settings) {
    this.settings = settings;
    this.cache = new DebuginfodCache(settings.cache());
  }

  /** Made on the first download: a resolver that never fetches starts no HTTP client thread. */
  private synchronized HttpClient http() {
    if (http == null) {
      http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(settings.timeout())
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build();
    }
    return http;
  }

  DebuginfodSettings settings() {
    return settings;
  }

  /** The debug file of this build id already in the cache, checked; no network. */
  Optional<Path> cached(String buildId) {
    return cache.find(buildId);
  }

  /**
   * The debug file of this build id: from the cache, else downloaded into it.
   *
   * @return empty when every server answered that it does not have the file
   * @throws IOException with one sentence when no server gave the file and at least one failed
   *     (unreachable, timed out, an error status, a file of another build)
   */
  Optional<Path> fetch(String buildId) throws IOException, InterruptedException {
    Optional<Path> cachedFile = cache.find(buildId);
    if (cachedFile.isPresent()) {
      return cachedFile;
    }
    String failure = null;
    for (URI server : settings.servers()) {
      try {
        Optional<Path> file = fetchFrom(server, buildId);
        if (file.isPresent()) {
          return file;
        }
      } catch (IOException e) {
        if (failure == null) {
          failure = e.getMessage();
        }
      }
    }
    if (failure != null) {
      throw new IOException(failure);
    }
    return Optional.empty();
  }

  private Optional<Path> fetchFrom(URI server, String buildId)
      throws IOException, InterruptedException {
    Long until = unreachableUntil.get(server);
    if (until != null && System.nanoTime() - until < 0) {
      throw new IOException(server + " was unreachable a moment ago and is not asked again yet");
    }
    URI uri = URI.create(base(server) + "/buildid/" + buildId + "/debuginfo");
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(settings.timeout())
            .header("User-Agent", "leakdetector")
            .GET()
            .build();
    try {
      return cache.store(
          buildId,
          temporary -> {
            HttpResponse<Path> response =
                http()
                    .send(
                        request,
                        HttpResponse.BodyHandlers.ofFile(
                            temporary,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING));
            if (response.statusCode() == 404) {
              return false; // the next server may have it
            }
            if (response.statusCode() != 200) {
              throw new IOException("answered HTTP " + response.statusCode());
            }
            return true;
          });
    } catch (HttpTimeoutException e) {
      pause(server);
      throw new IOException(server + " did not answer within " + describe(settings.timeout()), e);
    } catch (ConnectException e) {
      pause(server);
      throw new IOException("cannot connect to " + server + ": " + reason(e), e);
    } catch (IOException e) {
      throw new IOException(uri + ": " + reason(e), e);
    }
  }

  private void pause(URI server) {
    unreachableUntil.put(server, System.nanoTime() + UNREACHABLE_PAUSE.toNanos());
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String base(URI server) {
    String text = server.toString();
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '/') {
      end--;
    }
    return text.substring(0, end);
  }

  private static String reason(IOException e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
