package io.leakdetector.etw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.etw.decode.EventRecords;
import io.leakdetector.etw.decode.RecordingSink;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Launch through Image File Execution Options ({@code etw.launch=ifeo}) against the fake registry:
 * TracingFlags is set before the command starts, the heap session is for process id 0, a command
 * that starts itself again is followed, and the registry is left as it was on every exit path.
 */
class IfeoLaunchTest {
  static final String NAME = "LeakDetectorHeapSession";
  static final String KEY = IfeoTracingFlags.IFEO + "demo.exe";
  static final Map<String, String> IFEO = Map.of("etw.launch", "ifeo");

  final FakeWindows windows = new FakeWindows();
  final RecordingSink sink = new RecordingSink();
  final EventRecords records = new EventRecords();
  final EtwHeapEventSourceProvider provider =
      new EtwHeapEventSourceProvider(
          io.leakdetector.spi.Availability.AVAILABLE,
          windows::api,
          NAME,
          new EtwHeapEventSource.Timing(20, 5_000, new HeapSession.Retry(5, 50)));
  HeapEventSource source;

  @AfterEach
  void closeEverything() {
    if (source != null) {
      source.close();
    }
    records.release();
  }

  HeapEventSource launch(Map<String, String> options) throws LeakDetectorException {
    source =
        provider.open(
            new SourceRequest(
                new TargetSpec.Launch(List.of("C:\\demo\\demo.exe", "x")), false, options));
    return source;
  }

  @Test
  void tracingFlagsIsSetBeforeTheLaunchAndTheSessionIsForProcessZero() throws Exception {
    launch(IFEO).start(sink, sink);
    assertThat(windows.calls())
        .containsSubsequence(
            "RegCreateKeyEx " + KEY + " 103", // query | set value | 64-bit view
            "RegSetValueEx TracingFlags 1",
            "CreateProcessW C:\\demo\\demo.exe x",
            "StartTraceW " + NAME,
            "ResumeThread 9000");
    assertThat(windows.security.registry).containsEntry(KEY, Map.of("TracingFlags", 1));
    ByteBuffer properties =
        ByteBuffer.wrap(windows.advapi32.startProperties).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(properties.getInt(168 + 4)).isEqualTo(0x00020002); // the PID item
    assertThat(properties.getInt(168 + 8)).isZero(); // for process id 0
    source.close();
    assertThat(windows.security.registry).doesNotContainKey(KEY); // our key, removed
    assertThat(windows.calls())
        .containsSubsequence("RegDeleteValue TracingFlags", "RegDeleteKey " + KEY);
    assertThat(windows.kernel32.openHandles).isEmpty();
  }

  @Test
  void aCommandThatStartsItselfAgainIsFollowed() throws Exception {
    launch(IFEO).start(sink, sink);
    long heap = 0x2a0_0000L;
    windows.advapi32.deliverImage(records.process(1, 8, 4343, 4242)); // demo.exe starts demo.exe
    waitUntil(() -> windows.advapi32.images.deliveries.isEmpty());
    Thread.sleep(50); // the image consumer has handled it
    windows.advapi32.deliver(records.free(8, 4343, 0x20, 1, heap, 0x1000));
    windows.advapi32.deliver(records.free(8, 5000, 0x30, 2, heap, 0x2000)); // another program
    waitUntil(() -> sink.calls.size() == 1);
    assertThat(sink.calls).containsExactly("free 0x2a00000 0x1000");
    assertThat(source.counters()).containsEntry("tracedProcesses", 2L);
  }

  @Test
  void aValueThatWasThereIsPutBack() throws Exception {
    windows.security.registry.put(
        KEY, new java.util.TreeMap<>(Map.of("TracingFlags", 5, "Debugger", 7)));
    launch(IFEO).start(sink, sink);
    assertThat(windows.security.registry.get(KEY)).containsEntry("TracingFlags", 1);
    source.close();
    assertThat(windows.security.registry)
        .containsEntry(KEY, Map.of("TracingFlags", 5, "Debugger", 7));
    assertThat(windows.calls("RegDeleteKey")).isEmpty();
  }

  @Test
  void everyExitPathRemovesTheValue() throws Exception {
    // The launch fails.
    windows.kernel32.launchFails = true;
    assertThatThrownBy(() -> launch(IFEO)).isInstanceOf(LeakDetectorException.class);
    assertThat(windows.security.registry).isEmpty();
    source = null;
    windows.kernel32.launchFails = false;

    // Tracing cannot start: the never-run process is ended, the value removed.
    windows.advapi32.otherHeapSession = "xperf heap";
    launch(IFEO);
    assertThatThrownBy(() -> source.start(sink, sink)).isInstanceOf(LeakDetectorException.class);
    assertThat(windows.security.registry).isEmpty();
    windows.advapi32.otherHeapSession = null;

    // Opened, never started.
    launch(IFEO).close();
    assertThat(windows.security.registry).isEmpty();

    // Ctrl+C.
    launch(IFEO).start(sink, sink);
    Thread hook = ((EtwHeapEventSource) source).shutdownHook();
    hook.start();
    hook.join(10_000);
    assertThat(windows.security.registry).isEmpty();
    source.close();

    // The target exits.
    launch(IFEO).start(sink, sink);
    windows.kernel32.exit(4242, 0);
    waitUntil(() -> sink.calls.contains("exit 0"));
    assertThat(windows.security.registry).isEmpty();
    source.close();
    assertThat(windows.kernel32.openHandles).isEmpty();
    assertThat(windows.advapi32.sessions).isEmpty();
  }

  @Test
  void withoutRightsToTheRegistryNothingIsLaunched() {
    windows.security.registryDenied = true;
    assertThatThrownBy(() -> launch(IFEO))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_PERMITTED))
        .hasMessage(
            "Tracing a program from its start sets TracingFlags under HKLM\\"
                + KEY
                + ": run from an administrator console.");
    assertThat(windows.calls("CreateProcessW")).isEmpty();
  }

  @Test
  void theDefaultLaunchDoesNotTouchTheRegistryAndABadModeIsAUsageError() throws Exception {
    launch(Map.of()).start(sink, sink);
    assertThat(windows.calls("Reg")).isEmpty();
    source.close();
    source = null;
    assertThatThrownBy(() -> launch(Map.of("etw.launch", "later")))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.USAGE))
        .hasMessage("etw.launch must be 'suspended' or 'ifeo', not 'later'.");
    assertThat(windows.calls("CreateProcessW")).hasSize(1);
  }

  @Test
  void theKeyIsTheImageFileName() {
    assertThat(IfeoTracingFlags.imageName("C:\\demo\\demo.exe")).isEqualTo("demo.exe");
    assertThat(IfeoTracingFlags.imageName("tool")).isEqualTo("tool.exe");
    assertThat(IfeoTracingFlags.imageName("bin/app.com")).isEqualTo("app.com");
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(5);
    }
  }
}
