package io.leakdetector.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.testkit.ListedSourceProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeapEventSourcesTest {
  private static final HeapEventSourceProvider UPROBES =
      provider("uprobes", Availability.unavailable("Uprobes need root."));
  private static final HeapEventSourceProvider ETW =
      provider("etw", Availability.unavailable("ETW needs Windows."));
  private static final HeapEventSourceProvider FAKE = provider("fake", Availability.AVAILABLE);

  @Test
  void withoutANameTheFirstAvailableSourceIsChosen() throws Exception {
    assertThat(HeapEventSources.choose(null, List.of(UPROBES, FAKE, ETW))).isSameAs(FAKE);
  }

  @Test
  void withoutANameAndNoneAvailableEveryReasonIsGiven() {
    assertFails(
        null, List.of(UPROBES, ETW), Kind.UNAVAILABLE, "Uprobes need root. ETW needs Windows.");
    assertFails(
        null,
        List.of(),
        Kind.UNAVAILABLE,
        "No heap event source is installed (no leak-uprobes or leak-etw).");
  }

  @Test
  void aNamedSourceIsChosenOnlyWhenAvailable() throws Exception {
    assertThat(HeapEventSources.choose("fake", List.of(UPROBES, FAKE))).isSameAs(FAKE);
    assertFails("uprobes", List.of(UPROBES, FAKE), Kind.UNAVAILABLE, "Uprobes need root.");
  }

  @Test
  void anUnknownNameIsUsageAndListsTheInstalledSources() {
    assertFails(
        "dtrace",
        List.of(UPROBES, ETW),
        Kind.USAGE,
        "Unknown source 'dtrace'; available: uprobes, etw.");
    assertFails("dtrace", List.of(), Kind.USAGE, "Unknown source 'dtrace'; available: none.");
  }

  private static void assertFails(
      String name, List<HeapEventSourceProvider> installed, Kind kind, String message) {
    assertThatThrownBy(() -> HeapEventSources.choose(name, installed))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(kind))
        .hasMessage(message);
  }

  private static HeapEventSourceProvider provider(String name, Availability availability) {
    return ListedSourceProvider.notOpened(name, availability, List.of());
  }
}
