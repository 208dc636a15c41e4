package io.leakdetector.etw;

import com.sun.jna.Platform;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.TargetProcess;
import io.leakdetector.etw.win32.WinError;
import io.leakdetector.etw.win32.WindowsApi;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.HeapEventSource;
import io.leakdetector.spi.HeapEventSourceProvider;
import io.leakdetector.spi.SourceRequest;
import io.leakdetector.spi.TargetSpec;
import java.util.List;
import java.util.function.Supplier;

/**
 * The {@code etw} heap event source: Windows heap tracing through an ETW heap session (see the
 * module's README). Available on 64-bit Windows; whether the user may trace (administrator) is
 * found out when the session starts.
 */
public final class EtwHeapEventSourceProvider implements HeapEventSourceProvider {
  private static final int OPEN_ACCESS =
      WinNT.SYNCHRONIZE | WinNT.PROCESS_QUERY_LIMITED_INFORMATION;

  private final Availability availability;
  private final Supplier<WindowsApi> loader;
  private final String sessionName;
  private final EtwHeapEventSource.Timing timing;
  private static final System.Logger LOG = System.getLogger("io.leakdetector.etw");

  private WindowsApi api;
  private volatile DebugPrivilege.State debugPrivilege;

  /** The provider ServiceLoader creates: the real DLLs, on Windows only. */
  public EtwHeapEventSourceProvider() {
    this(
        hostAvailability(
            System.getProperty("os.name", "?"), Platform.isWindows(), Platform.is64Bit()),
        WindowsApi::load,
        HeapSession.NAME,
        EtwHeapEventSource.Timing.DEFAULT);
  }

  EtwHeapEventSourceProvider(
      Availability availability,
      Supplier<WindowsApi> loader,
      String sessionName,
      EtwHeapEventSource.Timing timing) {
    this.availability = availability;
    this.loader = loader;
    this.sessionName = sessionName;
    this.timing = timing;
  }

  static Availability hostAvailability(String osName, boolean windows, boolean is64Bit) {
    if (!windows) {
      return Availability.unavailable("ETW heap tracing needs Windows; this is " + osName + ".");
    }
    if (!is64Bit) {
      return Availability.unavailable("ETW heap tracing needs a 64-bit Java runtime.");
    }
    return Availability.AVAILABLE;
  }

  @Override
  public String name() {
    return "etw";
  }

  @Override
  public Availability availability() {
    return availability;
  }

  @Override
  public List<TargetProcess> findProcesses(String name) throws LeakDetectorException {
    return ProcessTable.find(api().kernel32(), name);
  }

  @Override
  public HeapEventSource open(SourceRequest request) throws LeakDetectorException {
    WindowsApi windows = api();
    BufferSettings buffers = BufferSettings.from(request);
    launchMode(request); // a bad option is a usage error before anything is opened
    if (request.target() instanceof TargetSpec.Self) {
      throw new LeakDetectorException(
          LeakDetectorException.Kind.USAGE,
          "The etw source cannot trace the process it runs in; self-tracing needs Linux.");
    }
    if (request.target() instanceof TargetSpec.Pid pid) {
      TargetProcess target = findTarget(windows, pid.pid());
      HANDLE process = openProcess(windows, target.pid());
      return new EtwHeapEventSource(
          windows,
          target,
          process,
          null,
          request.includeKernelFrames(),
          buffers,
          sessionName,
          timing,
          null);
    }
    TargetSpec.Launch launch = (TargetSpec.Launch) request.target();
    boolean ifeo = launchMode(request);
    IfeoTracingFlags flags =
        ifeo ? IfeoTracingFlags.set(windows.advapi32(), launch.command().get(0)) : null;
    LaunchedProcess launched;
    try {
      launched = LaunchedProcess.start(windows.kernel32(), windows.lastError(), launch.command());
    } catch (LeakDetectorException | RuntimeException e) {
      if (flags != null) {
        flags.restore();
      }
      throw e;
    }
    return new EtwHeapEventSource(
        windows,
        new TargetProcess(launched.pid(), launched.name()),
        launched.process(),
        launched,
        request.includeKernelFrames(),
        buffers,
        sessionName,
        timing,
        flags);
  }

  static final String LAUNCH = "etw.launch";

  /**
   * Whether a command is launched through IFEO ({@code etw.launch=ifeo}) rather than suspended with
   * a heap session for its process id ({@code suspended}, the default).
   */
  static boolean launchMode(SourceRequest request) throws LeakDetectorException {
    String mode = request.option(LAUNCH, "suspended").trim();
    return switch (mode) {
      case "suspended" -> false;
      case "ifeo" -> true;
      default ->
          throw new LeakDetectorException(
              Kind.USAGE, LAUNCH + " must be 'suspended' or 'ifeo', not '" + mode + "'.");
    };
  }

  private static TargetProcess findTarget(WindowsApi windows, long pid)
      throws LeakDetectorException {
    String name =
        pid > 0 && pid <= 0xFFFFFFFFL ? ProcessTable.nameOf(windows.kernel32(), pid) : null;
    if (name == null) {
      throw new LeakDetectorException(
          Kind.NO_SUCH_PROCESS, "No process with id " + pid + " is running.");
    }
    return new TargetProcess(pid, name);
  }

  private HANDLE openProcess(WindowsApi windows, long pid) throws LeakDetectorException {
    debugPrivilege = DebugPrivilege.enable(windows);
    if (debugPrivilege != DebugPrivilege.State.ENABLED) {
      LOG.log(
          System.Logger.Level.INFO,
          "SeDebugPrivilege is not held: services and other users' processes cannot be opened");
    }
    HANDLE process = windows.kernel32().OpenProcess(OPEN_ACCESS, false, (int) pid);
    if (process != null) {
      return process;
    }
    int error = windows.lastError().getAsInt();
    switch (error) {
      case WinError.ERROR_ACCESS_DENIED ->
          throw new LeakDetectorException(Kind.NOT_PERMITTED, accessDenied(pid, debugPrivilege));
      case WinError.ERROR_INVALID_PARAMETER ->
          throw new LeakDetectorException(
              Kind.NO_SUCH_PROCESS, "No process with id " + pid + " is running.");
      default ->
          throw new LeakDetectorException(
              Kind.SOURCE_FAILED,
              "Could not open process " + pid + " (OpenProcess error " + error + ").");
    }
  }

  static String accessDenied(long pid, DebugPrivilege.State privilege) {
    return privilege == DebugPrivilege.State.ENABLED
        ? "Windows denied access to process "
            + pid
            + " even with SeDebugPrivilege enabled (a protected process cannot be traced)."
        : "Windows denied access to process "
            + pid
            + ": run from an administrator console (SeDebugPrivilege, needed for services and"
            + " other users' processes, is not held).";
  }

  /** Whether SeDebugPrivilege was enabled at the last open (null before one). */
  DebugPrivilege.State debugPrivilege() {
    return debugPrivilege;
  }

  private synchronized WindowsApi api() throws LeakDetectorException {
    if (!availability.available()) {
      throw new LeakDetectorException(Kind.UNAVAILABLE, availability.reason());
    }
    if (api == null) {
      try {
        api = loader.get();
      } catch (LinkageError | RuntimeException e) {
        throw new LeakDetectorException(
            Kind.UNAVAILABLE,
            "Could not load advapi32.dll and kernel32.dll through JNA: " + e.getMessage(),
            e);
      }
    }
    return api;
  }
}
