package io.leakdetector.symbols.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.SymbolOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The environment of elfutils' debuginfod client, read as its manual page describes it. */
class DebuginfodSettingsTest {
  static final SymbolOptions ON = new SymbolOptions(false, true, Optional.empty());

  @Test
  void serversAreTheHttpUrlsOfDebuginfodUrlsInOrder() {
    assertThat(
            DebuginfodSettings.servers(
                "  https://debuginfod.example.org/ ima:enforcing http://127.0.0.1:8002\tfile:///srv"
                    + " not-a-url ima:ignore"))
        .containsExactly(
            URI.create("https://debuginfod.example.org/"), URI.create("http://127.0.0.1:8002"));
    assertThat(DebuginfodSettings.servers("")).isEmpty();
  }

  @Test
  void offWithoutServersOrWhenTurnedOff() {
    Map<String, String> env = Map.of("DEBUGINFOD_URLS", "http://127.0.0.1:1", "HOME", "/home/u");
    assertThat(DebuginfodSettings.of(ON, Map.of("HOME", "/home/u"))).isEmpty();
    assertThat(DebuginfodSettings.of(ON, Map.of("DEBUGINFOD_URLS", " ", "HOME", "/h"))).isEmpty();
    assertThat(DebuginfodSettings.of(new SymbolOptions(false, false, Optional.empty()), env))
        .isEmpty();
    assertThat(DebuginfodSettings.of(ON, env)).isPresent();
  }

  @Test
  void cacheFolderAsTheClientLibraryChoosesIt() {
    assertThat(
            DebuginfodSettings.cache(
                Map.of(
                    "DEBUGINFOD_CACHE_PATH",
                    "/var/cache/di",
                    "XDG_CACHE_HOME",
                    "/x",
                    "HOME",
                    "/h")))
        .isEqualTo(Path.of("/var/cache/di"));
    assertThat(DebuginfodSettings.cache(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h")))
        .isEqualTo(Path.of("/x/debuginfod_client"));
    assertThat(DebuginfodSettings.cache(Map.of("HOME", "/h")))
        .isEqualTo(Path.of("/h/.cache/debuginfod_client"));
    assertThat(DebuginfodSettings.cache(Map.of()))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "debuginfod_client"));
  }

  @Test
  void timeoutFromTheOptionThenTheEnvironmentThenOurDefault() {
    Map<String, String> env = Map.of("DEBUGINFOD_URLS", "http://h", "DEBUGINFOD_TIMEOUT", "3");
    assertThat(DebuginfodSettings.of(ON, env).orElseThrow().timeout())
        .isEqualTo(Duration.ofSeconds(3));
    SymbolOptions explicit = new SymbolOptions(false, true, Optional.of(Duration.ofMillis(1500)));
    assertThat(DebuginfodSettings.of(explicit, env).orElseThrow().timeout())
        .isEqualTo(Duration.ofMillis(1500));
    for (String value : new String[] {null, "0", "-5", "ten"}) {
      assertThat(DebuginfodSettings.timeout(value))
          .as("DEBUGINFOD_TIMEOUT=%s", value)
          .isEqualTo(SymbolOptions.DEFAULT_DEBUGINFOD_TIMEOUT)
          .isEqualTo(Duration.ofSeconds(10));
    }
  }

  @Test
  void onlyBuildIdsMakeCachePaths() {
    assertThat(DebuginfodCache.isBuildId("72b31cb36403200139901c5ad136d3b68155db66")).isTrue();
    assertThat(DebuginfodCache.isBuildId("../../etc/passwd")).isFalse();
    assertThat(DebuginfodCache.isBuildId("72B3")).isFalse();
    assertThat(DebuginfodCache.isBuildId("")).isFalse();
    assertThat(new DebuginfodCache(Path.of("/c")).debuginfo("ab12"))
        .isEqualTo(Path.of("/c/ab12/debuginfo"));
  }
}
