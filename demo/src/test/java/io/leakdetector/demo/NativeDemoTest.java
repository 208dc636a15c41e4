package io.leakdetector.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeDemoTest {
  @TempDir Path dir;

  @Test
  void resourceNamesPerPlatform() {
    assertThat(NativeDemo.resourceName("Linux", "amd64"))
        .isEqualTo("/io/leakdetector/demo/native/linux-x86_64/demo");
    assertThat(NativeDemo.resourceName("Linux", "aarch64"))
        .isEqualTo("/io/leakdetector/demo/native/linux-aarch64/demo");
    assertThat(NativeDemo.resourceName("Windows 11", "amd64"))
        .isEqualTo("/io/leakdetector/demo/native/windows-x86_64/demo.exe");
  }

  @Test
  void thePackagedDemoIsTheBuiltOneAndRuns() throws Exception {
    Path built = DemoBinaries.require("demo", "gcc");
    assertThat(NativeDemo.isPackaged()).isTrue();
    Path extracted = NativeDemo.extractTo(dir).orElseThrow();
    assertThat(Files.mismatch(extracted, built)).isEqualTo(-1L);
    assertThat(Files.isExecutable(extracted)).isTrue();
    DemoBinaries.Result result =
        DemoBinaries.run(List.of(extracted.toString(), "--rounds", "1", "--delay-ms", "0"));
    assertThat(result.exitCode()).isZero();
    assertThat(result.output()).contains("round 1: 60 blocks, 10440 bytes outstanding");
  }

  @Test
  void theWindowsDemoIsPackagedToo() throws Exception {
    Path exe = DemoBinaries.require("demo.exe", "x86_64-w64-mingw32-gcc");
    try (var in =
        NativeDemo.class.getResourceAsStream(NativeDemo.resourceName("Windows", "amd64"))) {
      assertThat(in).isNotNull();
      assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(exe));
    }
  }
}
