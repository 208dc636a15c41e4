package io.leakdetector.etw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The heap session's buffers, sized from the expected event rate. */
class BufferSettingsTest {
  static SourceRequest request(Map<String, String> options) {
    return new SourceRequest(new TargetSpec.Pid(1), false, options);
  }

  @Test
  void theDefaultHoldsFiveSecondsOfAHundredThousandEventsPerSecond() throws Exception {
    BufferSettings buffers = BufferSettings.from(request(Map.of()), 8);
    // 100 000 × 512 B × 5 s = 244 MiB in 1 MiB buffers, a quarter allocated at start
    assertThat(buffers).isEqualTo(new BufferSettings(1024, 61, 245));
    assertThat(buffers.maximumMib()).isEqualTo(245);
    // at least PerfView's heap-session size, and far above TraceEvent's 64 KiB × 1024
    assertThat(buffers.maximumMib()).isGreaterThanOrEqualTo(244);
  }

  @Test
  void aNoisierTargetGetsMoreBuffers() throws Exception {
    BufferSettings buffers =
        BufferSettings.from(request(Map.of("etw.events-per-second", "1000000")), 8);
    assertThat(buffers.maximumBuffers()).isEqualTo(2442); // 2.4 GiB for 5 s at 1 M/s
    assertThat(buffers.minimumBuffers()).isEqualTo(610);
    BufferSettings capped =
        BufferSettings.from(
            request(Map.of("etw.events-per-second", "100000000", "etw.buffer-seconds", "600")), 8);
    assertThat(capped.maximumMib()).isEqualTo(4096);
  }

  @Test
  void everyBufferCountHasAFloorOfTwoPerProcessor() throws Exception {
    BufferSettings small =
        BufferSettings.from(
            request(Map.of("etw.events-per-second", "1000", "etw.buffer-seconds", "1")), 64);
    assertThat(small).isEqualTo(new BufferSettings(1024, 128, 128));
  }

  @Test
  void explicitValuesWin() throws Exception {
    BufferSettings buffers =
        BufferSettings.from(
            request(
                Map.of("etw.buffer-kib", "64", "etw.min-buffers", "300", "etw.max-buffers", "900")),
            8);
    assertThat(buffers).isEqualTo(new BufferSettings(64, 300, 900));
  }

  @Test
  void badValuesAreOneSentence() {
    assertThatThrownBy(
            () -> BufferSettings.from(request(Map.of("etw.events-per-second", "many")), 8))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage(
            "etw.events-per-second must be a whole number from 1000 to 100000000, not 'many'.");
    assertThatThrownBy(
            () ->
                BufferSettings.from(
                    request(Map.of("etw.min-buffers", "500", "etw.max-buffers", "100")), 8))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage("etw.max-buffers (100) must not be below etw.min-buffers (500).");
  }
}
