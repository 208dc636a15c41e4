package io.leakdetector.internal.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.Frame;
import io.leakdetector.LeakDetector;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakSnapshot;
import io.leakdetector.SnapshotExporter;
import io.leakdetector.SortOrder;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import io.leakdetector.spi.TargetSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class DefaultLeakSessionTest {
  private static final long SELF = ProcessHandle.current().pid();
  private final List<LeakSnapshot> delivered = new CopyOnWriteArrayList<>();

  private DefaultLeakSession open(LeakDetector.Builder builder, ScriptedSource source)
      throws LeakDetectorException {
    return DefaultLeakSession.open(
        config(builder),
        ScriptedSource.provider(source, List.of()),
        ScriptedSource.namingResolver());
  }

  /** The session's configuration as {@link LeakDetector.Builder#build()} checks and makes it. */
  static SessionConfig config(LeakDetector.Builder builder) {
    LeakDetector d = builder.build();
    return new SessionConfig(
        d.pid(),
        d.processName(),
        d.command(),
        d.interval(),
        d.reportCount(),
        d.topN(),
        d.minOutstanding(),
        d.sortOrder(),
        d.minSize(),
        d.maxSize(),
        d.olderThan(),
        d.includeKernelFrames(),
        d.debuginfod(),
        d.sourceName(),
        d.sourceOptions(),
        d.exporters(),
        d.skipFrames(),
        d.self(),
        d.byThread(),
        d.threads().orElse(null));
  }

  private static ScriptedSource threeStacks() {
    return new ScriptedSource(
        new TargetProcess(SELF, "leaky"), (sink, listener) -> ScriptedSource.threeStacks(sink));
  }

  @Test
  void selfTracesThisProcessAndExcludesTheStartingAndReportingThreadsBeforeTheyWork()
      throws Exception {
    ScriptedSource source = threeStacks();
    List<String> exportedOn = new CopyOnWriteArrayList<>();
    List<Integer> excludedBeforeExport = new CopyOnWriteArrayList<>();
    DefaultLeakSession session =
        open(
            LeakDetector.builder()
                .self()
                .interval(Duration.ofMillis(30))
                .reportCount(2)
                .exporter(
                    snapshot -> {
                      exportedOn.add(Thread.currentThread().getName());
                      excludedBeforeExport.add(source.excludedThreads.size());
                    }),
            source);
    session.start();
    // the source was started on a thread of the session's, excluded first, not the caller's
    assertThat(source.startedOn).isEqualTo("leakdetector-start");
    assertThat(session.awaitTermination(Duration.ofSeconds(10))).isTrue();

    assertThat(source.requested).isEqualTo(new TargetSpec.Self(SELF));
    assertThat(exportedOn).containsExactly("leakdetector-report", "leakdetector-report");
    assertThat(source.excludedThreads).containsExactly("leakdetector-start", "leakdetector-report");
    assertThat(excludedBeforeExport).containsOnly(2);
  }

  @Test
  void theThreadsAnExporterStartsAreExcludedBeforeTheyRunAnything() throws Exception {
    ScriptedSource source = threeStacks();
    List<Integer> excludedBeforeRun = new CopyOnWriteArrayList<>();
    List<Thread> started = new CopyOnWriteArrayList<>();
    SnapshotExporter startsAThread =
        new SnapshotExporter() {
          private ThreadFactory threads;

          @Override
          public void threadFactory(ThreadFactory factory) {
            threads = factory;
          }

          @Override
          public void export(LeakSnapshot snapshot) {
            Thread t =
                threads.newThread(
                    () ->
                        excludedBeforeRun.add(
                            source.excludedThreads.indexOf(Thread.currentThread().getName())));
            started.add(t);
            t.start();
          }
        };
    DefaultLeakSession session =
        open(
            LeakDetector.builder()
                .self()
                .interval(Duration.ofMillis(30))
                .reportCount(1)
                .exporter(startsAThread),
            source);
    session.start();
    assertThat(session.awaitTermination(Duration.ofSeconds(10))).isTrue();
    for (Thread t : started) {
      t.join(10_000);
    }

    assertThat(started).isNotEmpty().allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
    assertThat(source.excludedThreads).contains("leakdetector-exporter");
    assertThat(excludedBeforeRun).isNotEmpty().doesNotContain(-1);
  }

  @Test
  void selfIsThisProcessAndAPidReplacesIt() {
    LeakDetector self = LeakDetector.builder().self().build();
    assertThat(self.self()).isTrue();
    assertThat(self.pid()).isEqualTo(SELF);
    LeakDetector other = LeakDetector.builder().self().pid(1).build();
    assertThat(other.self()).isFalse();
    assertThat(other.pid()).isEqualTo(1);
    assertThatThrownBy(() -> LeakDetector.builder().self().processName("x").build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void periodicReportsStopAtTheCountAndTheLastIsFinal() throws Exception {
    ScriptedSource source = threeStacks();
    DefaultLeakSession session =
        open(
            LeakDetector.builder().pid(SELF).interval(Duration.ofMillis(30)).reportCount(3),
            source);
    session.subscribe(delivered::add);
    session.start();
    assertThat(session.awaitTermination(Duration.ofSeconds(10))).isTrue();

    assertThat(delivered).hasSize(3);
    assertThat(delivered).extracting(LeakSnapshot::sequence).containsExactly(1L, 2L, 3L);
    assertThat(delivered).extracting(LeakSnapshot::last).containsExactly(false, false, true);
    assertThat(session.endReason()).isEqualTo("report count reached");
    assertThat(session.failure()).isNull();
    assertThat(source.closes.get()).isEqualTo(1);
    assertThat(source.catchUps.get()).isEqualTo(3);
  }

  @Test
  void stopDeliversAFinalReportWithEverythingFedAndClosesExporters() throws Exception {
    ScriptedSource source = threeStacks();
    AtomicBoolean exporterClosed = new AtomicBoolean();
    SnapshotExporter exporter =
        new SnapshotExporter() {
          @Override
          public void export(LeakSnapshot snapshot) {
            delivered.add(snapshot);
            source.lifecycle.add("export");
          }

          @Override
          public void close() {
            exporterClosed.set(true);
          }
        };
    DefaultLeakSession session = open(LeakDetector.builder().pid(SELF).exporter(exporter), source);
    session.start();
    assertThat(source.fed.await(5, TimeUnit.SECONDS)).isTrue();
    session.stop();
    session.stop();

    assertThat(delivered).hasSize(1);
    LeakSnapshot last = delivered.get(0);
    assertThat(last.last()).isTrue();
    assertThat(last.endReason()).isEqualTo("stopped");
    assertThat(last.source()).isEqualTo("scripted");
    assertThat(last.target()).isEqualTo(new TargetProcess(SELF, "leaky"));
    assertThat(last.totals().outstandingCount()).isEqualTo(34);
    assertThat(last.totals().outstandingBytes()).isEqualTo(30 * 168 + 4 * 200);
    assertThat(last.totals().stacks()).isEqualTo(2);
    assertThat(last.counts().unmatchedFrees()).isEqualTo(1);
    assertThat(last.sourceCounters()).containsEntry("scripted", 1L);
    assertThat(exporterClosed).isTrue();
    assertThat(source.closes.get()).isEqualTo(1);
    // The final report does not wait for the source's close, which can take seconds.
    assertThat(source.lifecycle).containsExactly("stop", "export", "close");
    assertThat(session.awaitTermination(Duration.ZERO)).isTrue();
  }

  @Test
  void framesAreNamedInnermostFirstAndKernelFramesDroppedUnlessAsked() throws Exception {
    for (boolean kernel : new boolean[] {false, true}) {
      ScriptedSource source = threeStacks();
      DefaultLeakSession session =
          open(
              LeakDetector.builder()
                  .pid(SELF)
                  .includeKernelFrames(kernel)
                  .sortOrder(SortOrder.BYTES)
                  .minOutstanding(0)
                  .topN(0),
              source);
      session.start();
      assertThat(source.fed.await(5, TimeUnit.SECONDS)).isTrue();
      LeakSnapshot snapshot = session.snapshot();
      session.close();

      assertThat(snapshot.stacks()).hasSize(3);
      StackReport top = snapshot.stacks().get(0);
      assertThat(top.outstandingBytes()).isEqualTo(30 * 168);
      assertThat(top.frames())
          .extracting(Frame::text)
          .containsExactly("leaky!fn_1010+0x4", "leaky!fn_1100+0x4", "leaky!fn_1200+0x4");
      StackReport kernelTopped = snapshot.stacks().get(1);
      assertThat(kernelTopped.frames())
          .extracting(Frame::text)
          .containsExactly(
              kernel
                  ? new String[] {"[kernel]!do_syscall_64+0x10", "leaky!fn_1010+0x4"}
                  : new String[] {"leaky!fn_1010+0x4"});
      assertThat(snapshot.stacks().get(2).outstandingCount()).isZero();
      assertThat(snapshot.last()).isFalse();
    }
  }

  @Test
  void theResolverIsOpenedWithTheKernelAndDebuginfodChoices() throws Exception {
    List<SymbolOptions> opened = new CopyOnWriteArrayList<>();
    SymbolResolverProvider naming = ScriptedSource.namingResolver();
    SymbolResolverProvider recording =
        new SymbolResolverProvider() {
          @Override
          public String name() {
            return naming.name();
          }

          @Override
          public Availability availability() {
            return naming.availability();
          }

          @Override
          public SymbolResolver open(TargetProcess target, SymbolOptions options)
              throws LeakDetectorException {
            opened.add(options);
            return naming.open(target, options);
          }
        };
    for (LeakDetector.Builder builder :
        List.of(
            LeakDetector.builder().pid(SELF),
            LeakDetector.builder().pid(SELF).includeKernelFrames(true).debuginfod(false))) {
      DefaultLeakSession.open(
              config(builder), ScriptedSource.provider(threeStacks(), List.of()), recording)
          .close();
    }
    assertThat(opened)
        .containsExactly(
            SymbolOptions.DEFAULTS, new SymbolOptions(true, false, java.util.Optional.empty()));
  }

  @Test
  void targetExitEndsTheSessionWithAFinalReportAndTheExitCode() throws Exception {
    ScriptedSource source =
        new ScriptedSource(
            new TargetProcess(SELF, "leaky"),
            (sink, listener) -> {
              ScriptedSource.threeStacks(sink);
              listener.onTargetExit(7);
            });
    DefaultLeakSession session = open(LeakDetector.builder().pid(SELF), source);
    session.subscribe(delivered::add);
    session.start();
    assertThat(session.awaitTermination(Duration.ofSeconds(10))).isTrue();

    assertThat(delivered).hasSize(1);
    assertThat(delivered.get(0).endReason()).isEqualTo("target exited");
    assertThat(delivered.get(0).totals().outstandingCount()).isEqualTo(34);
    assertThat(session.targetExitCode()).isEqualTo(7);
    assertThat(session.failure()).isNull();
  }

  @Test
  void aSourceFailureStillDeliversWhatWasGathered() throws Exception {
    ScriptedSource source =
        new ScriptedSource(
            new TargetProcess(SELF, "leaky"),
            (sink, listener) -> {
              ScriptedSource.threeStacks(sink);
              listener.onSourceFailure("The ring buffer could not be read.");
            });
    DefaultLeakSession session = open(LeakDetector.builder().pid(SELF), source);
    session.subscribe(delivered::add);
    session.start();
    assertThat(session.awaitTermination(Duration.ofSeconds(10))).isTrue();

    assertThat(session.failure()).isNotNull();
    assertThat(session.failure().kind()).isEqualTo(LeakDetectorException.Kind.SOURCE_FAILED);
    assertThat(session.failure().getMessage()).isEqualTo("The ring buffer could not be read.");
    assertThat(delivered).singleElement().satisfies(s -> assertThat(s.last()).isTrue());
    assertThat(delivered.get(0).totals().outstandingCount()).isEqualTo(34);
  }

  @Test
  void aThrowingSubscriberDoesNotStopTheOthers() throws Exception {
    ScriptedSource source = threeStacks();
    DefaultLeakSession session = open(LeakDetector.builder().pid(SELF), source);
    session.subscribe(
        s -> {
          throw new IllegalStateException("broken subscriber");
        });
    session.subscribe(delivered::add);
    session.start();
    session.stop();
    assertThat(delivered).hasSize(1);
  }

  @Test
  void processNamesMustMatchExactlyOneProcess() {
    ScriptedSource source = threeStacks();
    List<TargetProcess> processes =
        List.of(new TargetProcess(11, "twin"), new TargetProcess(12, "twin"));
    assertThatThrownBy(
            () ->
                DefaultLeakSession.open(
                    config(LeakDetector.builder().processName("twin")),
                    ScriptedSource.provider(source, processes),
                    null))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage(
            String.join(
                System.lineSeparator(),
                "2 processes are named 'twin'; choose one with -p PID:",
                "        11  twin",
                "        12  twin"))
        .extracting(e -> ((LeakDetectorException) e).kind())
        .isEqualTo(LeakDetectorException.Kind.NO_SUCH_PROCESS);
    assertThatThrownBy(
            () ->
                DefaultLeakSession.open(
                    config(LeakDetector.builder().processName("nobody")),
                    ScriptedSource.provider(source, processes),
                    null))
        .hasMessage("No running process is named 'nobody'.");
  }

  @Test
  void aPidThatDoesNotExistIsOneSentence() {
    long gone =
        ProcessHandle.allProcesses().mapToLong(ProcessHandle::pid).max().orElse(1) + 100_000;
    assertThatThrownBy(
            () ->
                DefaultLeakSession.open(
                    config(LeakDetector.builder().pid(gone)),
                    ScriptedSource.provider(threeStacks(), List.of()),
                    null))
        .isInstanceOf(LeakDetectorException.class)
        .hasMessage("No process with pid " + gone + " is running.");
  }

  @Test
  void withoutAResolverFramesAreAddresses() throws Exception {
    ScriptedSource source = threeStacks();
    DefaultLeakSession session =
        DefaultLeakSession.open(
            config(LeakDetector.builder().pid(SELF)),
            ScriptedSource.provider(source, List.of()),
            null);
    session.start();
    assertThat(source.fed.await(5, TimeUnit.SECONDS)).isTrue();
    LeakSnapshot snapshot = session.snapshot();
    session.close();
    assertThat(snapshot.stacks().get(0).frames())
        .extracting(Frame::text)
        .containsExactly("[unknown]!0x1010", "[unknown]!0x1100", "[unknown]!0x1200");
  }

  @Test
  void onDemandSnapshotsDoNotCountAsReports() throws Exception {
    ScriptedSource source = threeStacks();
    DefaultLeakSession session =
        open(
            LeakDetector.builder().pid(SELF).interval(Duration.ofMillis(200)).reportCount(1),
            source);
    session.subscribe(delivered::add);
    session.start();
    assertThat(source.fed.await(5, TimeUnit.SECONDS)).isTrue();
    LeakSnapshot first = session.snapshot();
    LeakSnapshot second = session.snapshot();
    assertThat(first.stacks().get(0).growthCount()).isEqualTo(30);
    assertThat(second.stacks().get(0).growthCount()).isEqualTo(30);
    assertThat(session.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(delivered).hasSize(1);
    assertThat(delivered.get(0).last()).isTrue();
    assertThat(delivered.get(0).sequence()).isEqualTo(3);
  }
}
