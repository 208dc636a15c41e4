package io.leakdetector.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.testkit.ListedSourceProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetProcessesTest {

  @Test
  void aRunningProcessPasses() {
    assertThatCode(() -> TargetProcesses.requireRunning(ProcessHandle.current().pid()))
        .doesNotThrowAnyException();
  }

  @Test
  void aPidNobodyHasIsOneSentence() {
    long gone =
        ProcessHandle.allProcesses().mapToLong(ProcessHandle::pid).max().orElse(1) + 100_000;
    for (long pid : new long[] {gone, 0, -1}) {
      assertThatThrownBy(() -> TargetProcesses.requireRunning(pid))
          .isInstanceOfSatisfying(
              LeakDetectorException.class,
              e -> assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_PROCESS))
          .hasMessage("No process with pid " + pid + " is running.");
    }
  }

  @Test
  void aNameMeansItsOneProcess() throws Exception {
    TargetProcess server = new TargetProcess(42, "server");
    assertThat(TargetProcesses.findOne(source(List.of(server)), "server")).isEqualTo(server);
  }

  @Test
  void aNameOfNoProcessOrOfSeveralIsNoSuchProcess() {
    assertThatThrownBy(() -> TargetProcesses.findOne(source(List.of()), "nobody"))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_PROCESS))
        .hasMessage("No running process is named 'nobody'.");
    List<TargetProcess> twins =
        List.of(new TargetProcess(11, "twin"), new TargetProcess(123456, "twin"));
    assertThatThrownBy(() -> TargetProcesses.findOne(source(twins), "twin"))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_PROCESS))
        .hasMessage(
            String.join(
                System.lineSeparator(),
                "2 processes are named 'twin'; choose one with -p PID:",
                "        11  twin",
                "    123456  twin"));
  }

  private static HeapEventSourceProvider source(List<TargetProcess> processes) {
    return ListedSourceProvider.notOpened("scripted", Availability.AVAILABLE, processes);
  }
}
