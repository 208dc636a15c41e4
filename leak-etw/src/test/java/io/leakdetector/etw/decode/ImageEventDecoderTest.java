package io.leakdetector.etw.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.StreamListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Kernel image and process events built byte by byte, for 64- and 32-bit layouts. */
class ImageEventDecoderTest {
  static final int PID = 7408;
  static final DevicePaths PATHS =
      new DevicePaths(
          Map.of("C:", "\\Device\\HarddiskVolume3", "D:", "\\Device\\HarddiskVolume5")::get,
          "C:\\Windows");

  final EventRecords records = new EventRecords();
  final List<ModuleMapping> mapped = Collections.synchronizedList(new ArrayList<>());
  final StreamListener listener =
      new StreamListener() {
        @Override
        public void onModuleMapped(ModuleMapping mapping) {
          mapped.add(mapping);
        }
      };
  final CallbackFailures failures = new CallbackFailures();

  @AfterEach
  void release() {
    records.release();
  }

  ImageEventDecoder decoder(TracedProcesses processes) {
    return new ImageEventDecoder(processes, PATHS, failures);
  }

  @Test
  void theTargetsLoadsBecomeModulesWithDriveLetterPaths() {
    ImageEventDecoder decoder = decoder(new TracedProcesses(PID, false, listener));
    decoder.onEvent(
        records.image(
            3,
            8,
            PID,
            0x7ffa_5550_0000L,
            0x1f_0000L,
            "\\Device\\HarddiskVolume3\\Windows\\System32\\ntdll.dll"));
    decoder.onEvent(
        records.image(
            10, 8, PID, 0x7ff6_1234_0000L, 0x5000L, "\\Device\\HarddiskVolume5\\work\\demo.exe"));
    decoder.onEvent(
        records.image(
            10, 8, 999, 0x7ff6_0000_0000L, 0x5000L, "\\Device\\HarddiskVolume3\\other.exe"));
    decoder.onEvent(
        records.image(
            2, 8, PID, 0x7ff6_1234_0000L, 0x5000L, "\\Device\\HarddiskVolume5\\work\\demo.exe"));
    assertThat(mapped)
        .containsExactly(
            new ModuleMapping(
                0x7ffa_5550_0000L, 0x7ffa_556f_0000L, 0, "C:\\Windows\\System32\\ntdll.dll"),
            new ModuleMapping(0x7ff6_1234_0000L, 0x7ff6_1234_5000L, 0, "D:\\work\\demo.exe"));
    assertThat(decoder.loads()).isEqualTo(3); // every process's loads are decoded
    assertThat(decoder.unloads()).isEqualTo(1);
    assertThat(decoder.malformed()).isZero();
  }

  @Test
  void aWow64LoggersImageEventHasFourBytePointers() {
    ImageEventDecoder decoder = decoder(new TracedProcesses(PID, false, listener));
    decoder.onEvent(
        records.image(
            10,
            4,
            PID,
            0x7770_0000L,
            0x1a_0000L,
            "\\Device\\HarddiskVolume3\\Windows\\SysWOW64\\ntdll.dll"));
    assertThat(mapped)
        .containsExactly(
            new ModuleMapping(0x7770_0000L, 0x778a_0000L, 0, "C:\\Windows\\SysWOW64\\ntdll.dll"));
  }

  @Test
  void shortOrOldEventsAreCountedNotDecoded() {
    ImageEventDecoder decoder = decoder(new TracedProcesses(PID, false, listener));
    com.sun.jna.Memory old = records.image(10, 8, PID, 0x1000, 0x1000, "\\x.dll");
    old.setByte(42, (byte) 1); // version 1: another layout
    decoder.onEvent(old);
    com.sun.jna.Memory cut = records.image(10, 8, PID, 0x1000, 0x1000, "\\x.dll");
    cut.setShort(86, (short) 40); // shorter than the fixed part
    decoder.onEvent(cut);
    assertThat(mapped).isEmpty();
    assertThat(decoder.malformed()).isEqualTo(2);
    assertThat(decoder.callbackFailures()).isZero();
  }

  @Test
  void ntPathsBecomeDrivePaths() {
    assertThat(PATHS.toDosPath("\\Device\\HarddiskVolume3\\Windows\\System32\\a.dll"))
        .isEqualTo("C:\\Windows\\System32\\a.dll");
    assertThat(PATHS.toDosPath("\\device\\harddiskvolume5\\B.dll")).isEqualTo("D:\\B.dll");
    assertThat(PATHS.toDosPath("\\SystemRoot\\System32\\ntoskrnl.exe"))
        .isEqualTo("C:\\Windows\\System32\\ntoskrnl.exe");
    assertThat(PATHS.toDosPath("\\??\\C:\\x\\y.dll")).isEqualTo("C:\\x\\y.dll");
    // HarddiskVolume3 is not a prefix of HarddiskVolume30
    assertThat(PATHS.toDosPath("\\Device\\HarddiskVolume30\\z.dll"))
        .isEqualTo("\\Device\\HarddiskVolume30\\z.dll");
  }

  @Test
  void followedDescendantsReportTheirModulesOnceTheyLogHeapEvents() {
    TracedProcesses processes = new TracedProcesses(PID, true, listener);
    ImageEventDecoder decoder = decoder(processes);
    decoder.onEvent(records.process(1, 8, 8000, PID)); // the command starts itself again
    decoder.onEvent(records.process(1, 8, 9000, 1234)); // unrelated
    decoder.onEvent(
        records.image(
            10, 8, 8000, 0x7ff6_0000_0000L, 0x5000, "\\Device\\HarddiskVolume3\\app.exe"));
    assertThat(mapped).isEmpty(); // a candidate until it logs heap events
    assertThat(processes.acceptHeapEvent(9000)).isFalse();
    assertThat(processes.acceptHeapEvent(8000)).isTrue();
    assertThat(mapped)
        .containsExactly(new ModuleMapping(0x7ff6_0000_0000L, 0x7ff6_0000_5000L, 0, "C:\\app.exe"));
    assertThat(processes.tracedCount()).isEqualTo(2);
    decoder.onEvent(records.process(1, 8, 8100, 8000)); // a grandchild
    decoder.onEvent(records.process(2, 8, 8100, 0)); // that ended without heap events
    assertThat(processes.acceptHeapEvent(8100)).isFalse();
  }

  @Test
  void withoutFollowingOnlyTheTargetCounts() {
    TracedProcesses processes = new TracedProcesses(PID, false, listener);
    decoder(processes).onEvent(records.process(1, 8, 8000, PID));
    assertThat(processes.acceptHeapEvent(8000)).isFalse();
    assertThat(processes.acceptHeapEvent(PID)).isTrue();
  }
}
