package io.leakdetector.etw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.etw.decode.EventRecords;
import io.leakdetector.etw.decode.RecordingSink;
import io.leakdetector.etw.win32.Guid;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The source's lifecycle against the scripted advapi32/kernel32 of {@link FakeWindows}. */
class EtwHeapEventSourceTest {
  static final int PID = 7408;
  static final String NAME = "LeakDetectorHeapSession";
  static final long HEAP = 0x2a00000;

  final FakeWindows windows = new FakeWindows();
  final RecordingSink sink = new RecordingSink();
  final EventRecords records = new EventRecords();
  final EtwHeapEventSourceProvider provider =
      new EtwHeapEventSourceProvider(
          io.leakdetector.spi.Availability.AVAILABLE,
          windows::api,
          NAME,
          new EtwHeapEventSource.Timing(20, 5_000, new HeapSession.Retry(5, 200)));
  HeapEventSource source;

  @AfterEach
  void closeEverything() {
    if (source != null) {
      source.close();
    }
    records.release();
  }

  HeapEventSource open(int pid) throws LeakDetectorException {
    windows.kernel32.run(pid, "demo.exe");
    source = provider.open(new SourceRequest(new TargetSpec.Pid(pid), false, Map.of()));
    return source;
  }

  @Test
  void startsTheHeapSessionAndDeliversEventsUntilClosed() throws Exception {
    open(PID).start(sink, sink);
    assertThat(windows.calls())
        .containsSubsequence(
            "OpenProcess 101000 " + PID,
            "ControlTraceW STOP " + NAME,
            "StartTraceW " + NAME,
            "OpenTraceW " + NAME);
    assertThat(windows.advapi32.processTraceStarted.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(windows.advapi32.openedMode).isEqualTo(0x10001100);
    Thread consumer = windows.advapi32.processTraceThread;
    assertThat(consumer.isDaemon()).isTrue();
    assertThat(consumer.getName()).isEqualTo("leakdetector-etw-consumer");

    windows.advapi32.deliver(records.alloc(8, PID, 0x10, 20_000, HEAP, 100, 0x1000));
    windows.advapi32.deliver(records.stack(8, PID, 0x10, 20_000, 0x7ff6_0000_1234L));
    windows.advapi32.deliver(records.alloc(8, PID, 0x10, 30_000, HEAP, 200, 0x2000));
    windows.advapi32.deliver(records.stack(8, PID, 0x10, 30_000, 0x7ff6_0000_5678L));
    windows.advapi32.deliver(records.free(8, PID, 0x14, 40_000, HEAP, 0x1000));
    waitUntil(() -> sink.calls.size() == 3);

    source.close();
    assertThat(sink.calls)
        .containsExactly(
            "alloc 0x2a00000 0x1000 100 [0x7ff600001234]",
            "alloc 0x2a00000 0x2000 200 [0x7ff600005678]",
            "free 0x2a00000 0x1000");
    assertThat(sink.outstanding).hasSize(1);
    assertStoppedAndJoined();
    assertThat(source.counters()).containsEntry("heapEvents", 3L).containsEntry("stackEvents", 2L);
  }

  @Test
  void theStartBufferHoldsTheHeapSessionProperties() throws Exception {
    open(PID).start(sink, sink);
    ByteBuffer properties =
        ByteBuffer.wrap(windows.advapi32.startProperties).order(ByteOrder.LITTLE_ENDIAN);
    int extension = 168; // 120 + (23 + 1) * 2, already 8-aligned
    assertThat(properties.getInt(0)).isEqualTo(extension + 24); // Wnode.BufferSize
    byte[] guid = new byte[16];
    properties.get(24, guid);
    assertThat(guid).containsExactly(EventRecords.HEAP_GUID);
    assertThat(properties.getInt(40)).isEqualTo(1); // ClientContext: QPC
    assertThat(properties.getInt(44)).isEqualTo(0x00020000); // WNODE_FLAG_TRACED_GUID
    assertThat(properties.getInt(64)).isEqualTo(0x08000100); // real time | independent
    assertThat(properties.getInt(68)).isEqualTo(1); // FlushTimer
    assertThat(properties.getInt(72)).isEqualTo(0x80FF00A8); // EnableFlags
    assertThat(properties.getInt(112)).isZero(); // LogFileNameOffset
    assertThat(properties.getInt(116)).isEqualTo(120); // LoggerNameOffset
    int[] words = new int[6];
    for (int i = 0; i < 6; i++) {
      words[i] = properties.getInt(extension + 4 * i);
    }
    assertThat(words)
        .containsExactly(0x00020006, 0x00020002, PID, 0x00030003, 0x00001021, 0x00001022);
  }

  @Test
  void aStaleSessionOfOurNameIsStoppedFirst() throws Exception {
    windows.advapi32.sessions.add(NAME); // left behind by a crashed run
    open(PID).start(sink, sink);
    assertThat(windows.calls())
        .containsSubsequence("ControlTraceW STOP " + NAME, "StartTraceW " + NAME);
    assertThat(windows.calls("StartTraceW " + NAME)).hasSize(1);
    assertThat(source.counters()).containsEntry("staleSessionsStopped", 1L);
    source.close();
    assertStoppedAndJoined();
  }

  @Test
  void anotherHeapSessionIsNamedAsTheCause() throws Exception {
    windows.advapi32.otherHeapSession = "WPR_initiated_WprApp_WPR Heap Session";
    open(PID);
    assertThatThrownBy(() -> source.start(sink, sink))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
        .hasMessage(
            "The ETW session 'WPR_initiated_WprApp_WPR Heap Session' holds the heap provider GUID"
                + " (Windows allows one heap tracing session at a time; xperf, WPR and PerfView"
                + " heap traces use it): stop it (logman stop \"WPR_initiated_WprApp_WPR Heap"
                + " Session\" -ets) and try again.");
    assertThat(windows.calls("StartTraceW " + NAME)).hasSize(1); // not retried: not ours
    assertThat(windows.calls("OpenTraceW " + NAME)).isEmpty();
    assertThat(windows.advapi32.sessions).isEmpty(); // the image session was stopped too
    assertThat(windows.calls("CloseTrace")).containsExactly("CloseTrace 7200");
    assertThat(windows.calls("ControlTraceW STOP " + NAME)).hasSize(1); // only the stale check
    assertThat(windows.kernel32.openHandles).isEmpty();
  }

  @Test
  void ourStaleSessionStillStoppingIsWaitedFor() throws Exception {
    windows.advapi32.sessions.add(NAME); // left behind by a crashed run
    windows.advapi32.guids.put(NAME, EventRecords.HEAP_GUID);
    windows.advapi32.slowStops = 3; // it takes three more start attempts to go away
    open(PID).start(sink, sink);
    assertThat(windows.calls("StartTraceW " + NAME)).hasSize(4);
    assertThat(windows.calls())
        .containsSubsequence(
            "ControlTraceW STOP " + NAME,
            "StartTraceW " + NAME,
            "QueryAllTracesW 256",
            "StartTraceW " + NAME,
            "QueryAllTracesW 256",
            "StartTraceW " + NAME,
            "QueryAllTracesW 256",
            "StartTraceW " + NAME,
            "OpenTraceW " + NAME);
    assertThat(source.counters())
        .containsEntry("staleSessionsStopped", 1L)
        .containsEntry("startRetries", 3L);
    windows.advapi32.slowStops = 0;
    source.close();
    assertStoppedAndJoined();
  }

  @Test
  void ourStaleSessionThatNeverGoesAwayEndsTheWaitWithASentence() throws Exception {
    windows.advapi32.sessions.add(NAME);
    windows.advapi32.guids.put(NAME, EventRecords.HEAP_GUID);
    windows.advapi32.slowStops = 1_000;
    open(PID);
    long started = System.nanoTime();
    assertThatThrownBy(() -> source.start(sink, sink))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
        .hasMessage(
            "LeakDetector's previous heap session '"
                + NAME
                + "' was still stopping after 200 ms: try again in a moment.");
    // 200 ms in 5 ms steps: bounded, neither at once nor forever
    assertThat(windows.calls("StartTraceW " + NAME)).hasSize(41);
    assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(5));
    assertThat(windows.calls("OpenTraceW " + NAME)).isEmpty();
    assertThat(windows.kernel32.openHandles).isEmpty();
  }

  @Test
  void accessDeniedAsksForAnAdministratorConsole() throws Exception {
    windows.advapi32.accessDenied = true;
    open(PID);
    assertThatThrownBy(() -> source.start(sink, sink))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_PERMITTED))
        .hasMessageContaining("run from an administrator console");
    assertThat(windows.calls("OpenTraceW " + NAME)).isEmpty();
    assertThat(windows.kernel32.openHandles).isEmpty();
  }

  @Test
  void theCtrlCShutdownHookStopsTheSession() throws Exception {
    open(PID).start(sink, sink);
    windows.advapi32.deliver(records.free(8, PID, 0x10, 1, HEAP, 0x1000));
    Thread hook = ((EtwHeapEventSource) source).shutdownHook();
    hook.start(); // what the JVM does on Ctrl+C
    hook.join(10_000);
    assertThat(hook.isAlive()).isFalse();
    assertStoppedAndJoined();
    assertThat(sink.calls).containsExactly("free 0x2a00000 0x1000"); // drained before the stop
    assertThat(Runtime.getRuntime().removeShutdownHook(hook)).isTrue(); // registered until now
    source.close(); // idempotent
    assertThat(windows.calls("ControlTraceW STOP " + NAME)).hasSize(2); // stale check + one stop
  }

  @Test
  void closeRemovesTheShutdownHook() throws Exception {
    open(PID).start(sink, sink);
    Thread hook = ((EtwHeapEventSource) source).shutdownHook();
    source.close();
    assertThat(Runtime.getRuntime().removeShutdownHook(hook)).isFalse();
  }

  @Test
  void theTargetsExitStopsTheSessionAfterItsLastEvents() throws Exception {
    open(PID).start(sink, sink);
    windows.advapi32.deliver(records.alloc(8, PID, 0x10, 50, HEAP, 8, 0x1000));
    windows.advapi32.deliver(records.stack(8, PID, 0x10, 50, 0x7ff6_0000_0001L));
    waitUntil(() -> sink.calls.size() == 1);
    windows.kernel32.exit(PID, 3);
    waitUntil(() -> sink.calls.contains("exit 3"));
    assertThat(sink.calls).containsExactly("alloc 0x2a00000 0x1000 8 [0x7ff600000001]", "exit 3");
    source.close(); // what the session does next; joins the watcher that closed the source
    assertStoppedAndJoined();
  }

  @Test
  void lostEventsAreQueriedEachInterval() throws Exception {
    open(PID).start(sink, sink);
    windows.advapi32.queryEventsLost = 5;
    windows.advapi32.queryRealTimeBuffersLost = 1;
    source.catchUp();
    windows.advapi32.queryEventsLost = 12;
    windows.advapi32.queryLogBuffersLost = 2;
    source.catchUp();
    source.catchUp();
    assertThat(windows.calls("ControlTraceW QUERY " + NAME)).hasSize(3);
    ByteBuffer query =
        ByteBuffer.wrap(windows.advapi32.lastControlProperties).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(query.getInt(0)).isEqualTo(120 + 4096); // room for two 1024-character names
    assertThat(query.getInt(112)).isEqualTo(120 + 2048); // LogFileNameOffset
    assertThat(query.getInt(116)).isEqualTo(120); // LoggerNameOffset
    assertThat(sink.lost).isEqualTo(12);
    assertThat(source.counters())
        .containsEntry("eventsLost", 12L)
        .containsEntry("logBuffersLost", 2L)
        .containsEntry("realTimeBuffersLost", 1L)
        .containsEntry("queryFailures", 0L);
    windows.advapi32.queryEventsLost = 15; // lost after the last interval
    windows.advapi32.queryRealTimeBuffersLost = 2;
    source.close();
    // One more query before the stop, so the final report has the last losses.
    assertThat(windows.calls("ControlTraceW"))
        .filteredOn(call -> call.endsWith(" " + NAME))
        .endsWith("ControlTraceW QUERY " + NAME, "ControlTraceW STOP " + NAME);
    assertThat(sink.lost).isEqualTo(15);
    assertThat(source.counters()).containsEntry("realTimeBuffersLost", 2L);
    source.catchUp(); // after close: no query
    assertThat(windows.calls("ControlTraceW QUERY")).hasSize(4);
  }

  @Test
  void lostBuffersAndUnclaimedStacksMakeTheReportInexactByName() throws Exception {
    open(PID).start(sink, sink);
    java.util.List<String> causes = source.inexactWhenNonZero();
    assertThat(source.counters().keySet()).containsAll(causes); // each names a real counter
    assertThat(causes)
        .containsExactlyInAnyOrder(
            "logBuffersLost",
            "realTimeBuffersLost",
            "rtLostEvents",
            "rtLostBuffers",
            "callbackFailures",
            "malformedEvents",
            "stacksUnmatched")
        .doesNotContain("eventsLost", "stacksMissing", "stacksKernelOnly", "queryFailures");
    io.leakdetector.EventCounts exact =
        io.leakdetector.EventCounts.NONE.withSourceCauses(causes, source.counters());
    assertThat(exact.exact()).isTrue();

    windows.advapi32.queryRealTimeBuffersLost = 3;
    source.catchUp();
    windows.advapi32.deliver(records.stack(8, PID, 0x10, 77, 0x7ff6_0000_0001L)); // no event
    windows.advapi32.deliver(records.free(8, PID, 0x10, 78, HEAP, 0x1000)); // thread moved on
    waitUntil(() -> sink.calls.size() == 1);
    io.leakdetector.EventCounts counts =
        io.leakdetector.EventCounts.NONE.withSourceCauses(causes, source.counters());
    assertThat(counts.exact()).isFalse();
    assertThat(counts.sourceCauses())
        .containsExactly(Map.entry("realTimeBuffersLost", 3L), Map.entry("stacksUnmatched", 1L));
    source.close();
  }

  @Test
  void aSessionStoppedFromOutsideIsASourceFailure() throws Exception {
    open(PID).start(sink, sink);
    assertThat(windows.advapi32.processTraceStarted.await(5, TimeUnit.SECONDS)).isTrue();
    windows.advapi32.stopFromOutside();
    waitUntil(() -> windows.calls("CloseTrace 7100").size() == 1);
    assertThat(sink.calls)
        .singleElement()
        .asString()
        .startsWith("failure The ETW heap session ended while tracing");
    source.close();
    assertStoppedAndJoined();
  }

  @Test
  void launchModeStartsSuspendedAndResumesOnceTracing() throws Exception {
    source =
        provider.open(
            new SourceRequest(
                new TargetSpec.Launch(List.of("C:\\demo\\demo.exe", "two words", "x")),
                false,
                Map.of()));
    assertThat(source.target().pid()).isEqualTo(4242);
    assertThat(source.target().name()).isEqualTo("demo.exe");
    assertThat(windows.kernel32.launchedCommandLine)
        .isEqualTo("C:\\demo\\demo.exe \"two words\" x");
    assertThat(windows.kernel32.launchedFlags & 0x4).isEqualTo(0x4); // CREATE_SUSPENDED
    source.start(sink, sink);
    assertThat(windows.calls())
        .containsSubsequence(
            "CreateProcessW C:\\demo\\demo.exe \"two words\" x",
            "StartTraceW " + NAME,
            "OpenTraceW " + NAME,
            "ResumeThread 9000");
    ByteBuffer properties =
        ByteBuffer.wrap(windows.advapi32.startProperties).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(properties.getInt(168 + 8)).isEqualTo(4242); // the PID item
    source.close();
    assertStoppedAndJoined();
    assertThat(windows.calls("TerminateProcess")).isEmpty();
  }

  @Test
  void aLaunchThatCannotBeTracedIsTerminated() throws Exception {
    windows.advapi32.otherHeapSession = "WPR_initiated_WprApp_WPR Heap Session";
    source =
        provider.open(
            new SourceRequest(new TargetSpec.Launch(List.of("demo.exe")), false, Map.of()));
    assertThatThrownBy(() -> source.start(sink, sink)).isInstanceOf(LeakDetectorException.class);
    assertThat(windows.calls("TerminateProcess")).containsExactly("TerminateProcess 4242");
    assertThat(windows.calls("ResumeThread")).isEmpty();
    assertThat(windows.kernel32.openHandles).isEmpty();
  }

  @Test
  void theTargetsModuleLoadsReachTheStreamListenerThroughTheImageSession() throws Exception {
    open(PID).start(sink, sink);
    assertThat(windows.calls())
        .containsSubsequence(
            "ControlTraceW STOP " + ImageSession.NAME, // a stale one of ours
            "StartTraceW " + ImageSession.NAME,
            "OpenTraceW " + ImageSession.NAME,
            "StartTraceW " + NAME, // before the heap session: no load is missed
            "OpenTraceW " + NAME);
    // Real time | system logger (not the NT Kernel Logger); image-load and process events.
    assertThat(windows.advapi32.systemLoggerMode).isEqualTo(0x0200_0100);
    assertThat(windows.advapi32.systemLoggerFlags).isEqualTo(0x4 | 0x1);
    assertThat(Guid.bytes(UUID.fromString("9e814aad-3204-11d2-9a82-006008a86939")))
        .isNotEqualTo(windows.advapi32.systemLoggerGuid); // SystemTraceControlGuid is refused
    assertThat(windows.advapi32.systemLoggerGuid).containsExactly(Guid.bytes(ImageSession.GUID));
    windows.advapi32.deliverImage(
        records.image(
            10,
            8,
            PID,
            0x7ff8_0000_0000L,
            0x2_0000,
            "\\Device\\HarddiskVolume3\\work\\plugin.dll"));
    windows.advapi32.deliverImage(
        records.image(10, 8, 999, 0x7ff8_0000_0000L, 0x2_0000, "\\Device\\HarddiskVolume3\\x.dll"));
    windows.advapi32.deliverImage(
        records.image(
            2, 8, PID, 0x7ff8_0000_0000L, 0x2_0000, "\\Device\\HarddiskVolume3\\work\\plugin.dll"));
    waitUntil(() -> source.counters().get("imageUnloads") == 1L);
    assertThat(sink.modules)
        .containsExactly(
            new ModuleMapping(0x7ff8_0000_0000L, 0x7ff8_0002_0000L, 0, "C:\\work\\plugin.dll"));
    assertThat(source.counters())
        .containsEntry("imageSessionError", 0L)
        .containsEntry("imageLoads", 2L)
        .containsEntry("imageEventFailures", 0L);
    source.close();
    assertStoppedAndJoined();
  }

  @Test
  void withoutSystemLoggersHeapTracingGoesOnWithoutModuleEvents() throws Exception {
    windows.advapi32.systemLoggers = false; // before Windows 8
    open(PID).start(sink, sink);
    windows.advapi32.deliver(records.free(8, PID, 0x10, 1, HEAP, 0x1000));
    waitUntil(() -> sink.calls.size() == 1);
    assertThat(windows.calls("OpenTraceW " + ImageSession.NAME)).isEmpty();
    assertThat(source.counters()).containsEntry("imageSessionError", 50L); // ERROR_NOT_SUPPORTED
    source.close();
    assertThat(sink.modules).isEmpty();
    assertThat(windows.advapi32.sessions).isEmpty();
    assertThat(windows.calls("CloseTrace")).containsExactly("CloseTrace 7100");
    assertThat(windows.kernel32.openHandles).isEmpty();
  }

  @Test
  void closeWithoutStartReleasesTheHandle() throws Exception {
    open(PID);
    source.close();
    assertThat(windows.kernel32.openHandles).isEmpty();
    assertThat(windows.calls("ControlTraceW")).isEmpty();
  }

  @Test
  void concurrentClosesStopOnce() throws Exception {
    open(PID).start(sink, sink);
    Thread[] closers = new Thread[4];
    for (int i = 0; i < closers.length; i++) {
      closers[i] = new Thread(source::close);
      closers[i].start();
    }
    windows.kernel32.exit(PID, 0);
    for (Thread closer : closers) {
      closer.join(10_000);
      assertThat(closer.isAlive()).isFalse();
    }
    assertStoppedAndJoined();
    assertThat(windows.calls("ControlTraceW STOP " + NAME)).hasSize(2); // stale check + one stop
    assertThat(windows.calls("CloseTrace 7100")).hasSize(1);
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

  /**
   * Both sessions are stopped, both traces closed once, every ProcessTrace returned and its thread
   * joined, no handle is open.
   */
  private void assertStoppedAndJoined() {
    assertThat(windows.advapi32.sessions).isEmpty();
    assertThat(windows.calls("CloseTrace"))
        .containsExactlyInAnyOrder("CloseTrace 7100", "CloseTrace 7200");
    assertThat(windows.calls())
        .containsSubsequence("ControlTraceW STOP " + NAME, "CloseTrace 7100");
    assertThat(windows.calls())
        .containsSubsequence("ControlTraceW STOP " + ImageSession.NAME, "CloseTrace 7200");
    assertThat(windows.calls("ProcessTrace returned"))
        .containsExactlyInAnyOrder("ProcessTrace returned 7100", "ProcessTrace returned 7200");
    assertThat(windows.advapi32.processTraceThread.isAlive()).isFalse();
    assertThat(windows.advapi32.images.thread.isAlive()).isFalse();
    assertThat(windows.kernel32.openHandles).isEmpty();
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(
            t ->
                t.getName().startsWith("leakdetector-etw-")
                    && t.isAlive()
                    && t != Thread.currentThread());
  }
}
