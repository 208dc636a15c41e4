package io.leakdetector.uprobes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import io.leakdetector.uprobes.testing.CCompiler;
import io.leakdetector.uprobes.testing.FixtureProcess;
import io.leakdetector.uprobes.testing.Prerequisites;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UprobesSourceProviderTest {
  @TempDir Path dir;

  @Test
  void isDeclaredAsAServiceAndAvailableAsRoot() throws Exception {
    // module path: provides in module-info; class path: META-INF/services
    assertThat(UprobesSourceProvider.class.getModule().getDescriptor().provides())
        .anyMatch(
            p ->
                p.service().equals(HeapEventSourceProvider.class.getName())
                    && p.providers().equals(List.of(UprobesSourceProvider.class.getName())));
    try (var in =
        UprobesSourceProvider.class
            .getModule()
            .getResourceAsStream("META-INF/services/" + HeapEventSourceProvider.class.getName())) {
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim())
          .isEqualTo(UprobesSourceProvider.class.getName());
    }
    HeapEventSourceProvider provider = new UprobesSourceProvider();
    assertThat(provider.name()).isEqualTo("uprobes");
    Prerequisites.require(
        ProcessHandle.current().info().user().map("root"::equals).orElse(false), "root");
    // as root the BPF design is permitted (kernel 5.8+), and --list says so
    assertThat(provider.availability().reason())
        .isEqualTo(
            "BPF design: probes for the whole process, every thread from its first instruction");
    assertThat(provider.availability().available()).isTrue();
    assertThat(UprobesSourceProvider.bpfRefusal(io.leakdetector.uprobes.linux.CpuArch.X86_64))
        .isEmpty();
  }

  @Test
  void findsProcessesByExecutableName() throws Exception {
    Path churn =
        CCompiler.compile(CCompiler.testSource("churn.c"), dir.resolve("churn-find-me"), "-O2");
    try (FixtureProcess p = FixtureProcess.start(churn, "wait")) {
      p.await("waiting", 30);
      List<TargetProcess> found = new UprobesSourceProvider().findProcesses("churn-find-me");
      assertThat(found).containsExactly(new TargetProcess(p.pid(), "churn-find-me"));
      assertThat(new UprobesSourceProvider().findProcesses("no-process-has-this-name")).isEmpty();
    }
  }

  @Test
  void badOptionsAreUsageErrorsInOneSentence() {
    for (Map<String, String> options :
        List.of(
            Map.of("uprobes.ring-kib", "3"),
            Map.of("uprobes.ring-kib", "lots"),
            Map.of("uprobes.poll-ms", "0"),
            Map.of("uprobes.placement", "middle"),
            Map.of("uprobes.memalign-dump", "7"))) {
      assertThatThrownBy(
              () ->
                  SourceOptions.from(
                      new SourceRequest(new TargetSpec.Pid(1), false, options), 4096))
          .isInstanceOfSatisfying(
              LeakDetectorException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(LeakDetectorException.Kind.USAGE);
                BadInputTest.assertOneSentence(e.getMessage());
              });
    }
  }

  @Test
  void defaultsAreTheMeasuredOnes() throws Exception {
    SourceOptions o =
        SourceOptions.from(new SourceRequest(new TargetSpec.Pid(1), false, Map.of()), 4096);
    assertThat(o.ringBytes()).isEqualTo(16 << 20); // per-thread rings, with the stack copy
    assertThat(o.bpfRingBytes()).isEqualTo(64 << 20);
    assertThat(o.wakeupPercent()).isEqualTo(25);
    assertThat(o.placeAfterPrologue()).isTrue();
    assertThat(o.unwind()).isEqualTo(SourceOptions.Unwind.AUTO);
    assertThat(o.stackCopy()).isEqualTo(2048);
    SourceOptions fp =
        SourceOptions.from(
            new SourceRequest(new TargetSpec.Pid(1), false, Map.of("uprobes.unwind", "fp")), 4096);
    assertThat(fp.stackCopy()).isZero();
    assertThat(fp.ringBytes()).isEqualTo(4 << 20);
    assertThat(fp.bpfRingBytes()).isEqualTo(16 << 20);
  }
}
