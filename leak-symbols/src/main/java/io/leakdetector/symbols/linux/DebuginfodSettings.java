package io.leakdetector.symbols.linux;

import io.leakdetector.spi.SymbolOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where and how debug files are fetched, from the environment the debuginfod client library reads
 * (elfutils' {@code debuginfod-client-config(7)}).
 *
 * @param servers the base URLs of {@code DEBUGINFOD_URLS}, in order (http and https only)
 * @param cache the client cache folder, shared with elfutils' clients (gdb, perf, …)
 * @param timeout how long a server may take to accept the connection, and again to answer
 */
record DebuginfodSettings(List<URI> servers, Path cache, Duration timeout) {
  static final String URLS = "DEBUGINFOD_URLS";
  static final String CACHE_PATH = "DEBUGINFOD_CACHE_PATH";
  static final String TIMEOUT = "DEBUGINFOD_TIMEOUT";

  DebuginfodSettings {
    servers = List.copyOf(servers);
  }

  /**
   * The settings, or empty when network lookups are off: {@code options.debuginfod()} is false or
   * {@code DEBUGINFOD_URLS} names no http or https server.
   */
  static Optional<DebuginfodSettings> of(SymbolOptions options, Map<String, String> env) {
    if (!options.debuginfod()) {
      return Optional.empty();
    }
    List<URI> servers = servers(env.getOrDefault(URLS, ""));
    if (servers.isEmpty()) {
      return Optional.empty();
    }
    Duration timeout = options.debuginfodTimeout().orElseGet(() -> timeout(env.get(TIMEOUT)));
    return Optional.of(new DebuginfodSettings(servers, cache(env), timeout));
  }

  /**
   * The http and https URLs of a {@code DEBUGINFOD_URLS} value, separated by white space. Other
   * words (elfutils' {@code ima:} policy tags, {@code file://} URLs) are passed over.
   */
  static List<URI> servers(String urls) {
    List<URI> servers = new ArrayList<>();
    for (String word : urls.trim().split("\\s+")) {
      try {
        URI uri = new URI(word);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
          servers.add(uri);
        }
      } catch (URISyntaxException notAUrl) {
        // passed over like any other word that is no server
      }
    }
    return servers;
  }

  /**
   * {@code $DEBUGINFOD_CACHE_PATH}, else {@code $XDG_CACHE_HOME/debuginfod_client}, else {@code
   * ~/.cache/debuginfod_client}.
   */
  static Path cache(Map<String, String> env) {
    String explicit = env.get(CACHE_PATH);
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "debuginfod_client");
    }
    String home = env.getOrDefault("HOME", "");
    if (home.isBlank()) {
      home = System.getProperty("user.home");
    }
    return Path.of(home, ".cache", "debuginfod_client");
  }

  /**
   * {@code DEBUGINFOD_TIMEOUT} in whole seconds; unset, not a number or not positive (elfutils' "no
   * timeout", which a background download here must not have) gives the default.
   */
  static Duration timeout(String seconds) {
    if (seconds != null) {
      try {
        long value = Long.parseLong(seconds.trim());
        if (value > 0) {
          return Duration.ofSeconds(value);
        }
      } catch (NumberFormatException e) {
        // the default below
      }
    }
    return SymbolOptions.DEFAULT_DEBUGINFOD_TIMEOUT;
  }
}
