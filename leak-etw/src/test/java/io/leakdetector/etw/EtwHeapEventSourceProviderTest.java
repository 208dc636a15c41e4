package io.leakdetector.etw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.win32.W32APIOptions;
import com.sun.jna.win32.W32APITypeMapper;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.etw.win32.EventTracing;
import io.leakdetector.etw.win32.Kernel32Ex;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class EtwHeapEventSourceProviderTest {
  final FakeWindows windows = new FakeWindows();
  final EtwHeapEventSourceProvider onWindows =
      new EtwHeapEventSourceProvider(
          Availability.AVAILABLE,
          windows::api,
          HeapSession.NAME,
          new EtwHeapEventSource.Timing(20, 5_000, new HeapSession.Retry(5, 200)));

  @Test
  void isFoundByServiceLoaderAndUnavailableOffWindows() {
    // The module provides the service; the session (in leak-api) is what declares `uses`.
    getClass().getModule().addUses(HeapEventSourceProvider.class);
    HeapEventSourceProvider etw =
        ServiceLoader.load(HeapEventSourceProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(provider -> provider.name().equals("etw"))
            .findFirst()
            .orElseThrow();
    assertThat(Platform.isWindows()).isFalse();
    assertThat(etw.availability())
        .isEqualTo(Availability.unavailable("ETW heap tracing needs Windows; this is Linux."));
    assertThatThrownBy(() -> etw.findProcesses("demo"))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
        .hasMessage("ETW heap tracing needs Windows; this is Linux.");
    assertThatThrownBy(() -> etw.open(new SourceRequest(new TargetSpec.Pid(1), false, Map.of())))
        .isInstanceOf(LeakDetectorException.class);
  }

  @Test
  void availabilityOnWindowsNeedsA64BitRuntime() {
    assertThat(EtwHeapEventSourceProvider.hostAvailability("Windows 11", true, true))
        .isEqualTo(Availability.AVAILABLE);
    assertThat(EtwHeapEventSourceProvider.hostAvailability("Windows 11", true, false).reason())
        .contains("64-bit");
  }

  @Test
  void findsProcessesByImageNameThroughToolhelp() throws Exception {
    windows.kernel32.run(4, "System");
    windows.kernel32.run(7408, "Demo.exe");
    windows.kernel32.run(7500, "demo.exe");
    windows.kernel32.run(8000, "notepad.exe");
    assertThat(onWindows.findProcesses("demo"))
        .containsExactly(new TargetProcess(7408, "Demo.exe"), new TargetProcess(7500, "demo.exe"));
    assertThat(onWindows.findProcesses("NOTEPAD.EXE"))
        .containsExactly(new TargetProcess(8000, "notepad.exe"));
    assertThat(onWindows.findProcesses("nothing")).isEmpty();
    assertThat(windows.calls("CloseHandle")).hasSize(3); // each snapshot is closed
  }

  @Test
  void openingAMissingOrForbiddenProcessIsOneSentence() {
    assertThatThrownBy(
            () -> onWindows.open(new SourceRequest(new TargetSpec.Pid(999), false, Map.of())))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NO_SUCH_PROCESS))
        .hasMessage("No process with id 999 is running.");
    windows.kernel32.run(7408, "demo.exe");
    windows.kernel32.openDenied = true;
    assertThatThrownBy(
            () -> onWindows.open(new SourceRequest(new TargetSpec.Pid(7408), false, Map.of())))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_PERMITTED))
        .hasMessage(
            "Windows denied access to process 7408 even with SeDebugPrivilege enabled (a"
                + " protected process cannot be traced).");
  }

  @Test
  void seDebugPrivilegeIsEnabledBeforeTheTargetIsOpened() throws Exception {
    windows.kernel32.run(7408, "service.exe");
    windows.kernel32.needDebugPrivilege.add(7408); // a service: only SeDebugPrivilege opens it
    onWindows.open(new SourceRequest(new TargetSpec.Pid(7408), false, Map.of())).close();
    assertThat(windows.calls())
        .containsSubsequence(
            "OpenProcessToken 28", // TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY
            "LookupPrivilegeValue SeDebugPrivilege",
            "AdjustTokenPrivileges 1 20 2", // one privilege, SE_PRIVILEGE_ENABLED
            "CloseHandle 7000",
            "OpenProcess 101000 7408");
    assertThat(onWindows.debugPrivilege()).isEqualTo(DebugPrivilege.State.ENABLED);
    assertThat(windows.kernel32.openHandles).isEmpty();
  }

  @Test
  void withoutSeDebugPrivilegeTheErrorSaysSo() {
    windows.kernel32.run(7408, "service.exe");
    windows.kernel32.needDebugPrivilege.add(7408);
    windows.security.debugPrivilegeHeld = false; // not an administrator
    assertThatThrownBy(
            () -> onWindows.open(new SourceRequest(new TargetSpec.Pid(7408), false, Map.of())))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_PERMITTED))
        .hasMessage(
            "Windows denied access to process 7408: run from an administrator console"
                + " (SeDebugPrivilege, needed for services and other users' processes, is not"
                + " held).");
    assertThat(onWindows.debugPrivilege()).isEqualTo(DebugPrivilege.State.NOT_HELD);
    assertThat(windows.kernel32.openHandles).isEmpty();
  }

  @Test
  void aCommandThatCannotStartIsALaunchFailure() {
    windows.kernel32.launchFails = true;
    assertThatThrownBy(
            () ->
                onWindows.open(
                    new SourceRequest(new TargetSpec.Launch(List.of("nope.exe")), false, Map.of())))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.LAUNCH_FAILED))
        .hasMessage("Could not start 'nope.exe' (CreateProcessW error 2).");
  }

  @Test
  void badBufferOptionsAreUsageErrors() {
    windows.kernel32.run(7408, "demo.exe");
    assertThatThrownBy(
            () ->
                onWindows.open(
                    new SourceRequest(
                        new TargetSpec.Pid(7408), false, Map.of("etw.buffer-kib", "lots"))))
        .isInstanceOfSatisfying(
            LeakDetectorException.class, e -> assertThat(e.kind()).isEqualTo(Kind.USAGE))
        .hasMessage("etw.buffer-kib must be a whole number from 1 to 16384, not 'lots'.");
    assertThat(windows.calls("OpenProcess")).isEmpty(); // checked before anything is opened
  }

  @Test
  void jnaCanImplementTheBindingsInsideTheModule() {
    // The proxy is created against libc (no symbol is looked up until a call); this checks that
    // the interfaces, their package's opens to JNA and the type mapper are usable under JPMS.
    Map<String, Object> options = Map.of(Library.OPTION_TYPE_MAPPER, W32APITypeMapper.UNICODE);
    EventTracing advapi32 = Native.load("c", EventTracing.class, options);
    Kernel32Ex kernel32 = Native.load("c", Kernel32Ex.class, W32APIOptions.DEFAULT_OPTIONS);
    assertThat(advapi32).isNotNull();
    assertThat(kernel32).isNotNull();
    assertThatThrownBy(() -> advapi32.CloseTrace(1))
        .isInstanceOf(UnsatisfiedLinkError.class)
        .hasMessageContaining("CloseTrace");
    // jna-platform's part of the interface: the W32 function mapper asks for the wide name.
    assertThatThrownBy(() -> kernel32.QueryDosDevice("C:", new char[8], 8))
        .isInstanceOf(UnsatisfiedLinkError.class)
        .hasMessageContaining("QueryDosDevice");
  }
}
