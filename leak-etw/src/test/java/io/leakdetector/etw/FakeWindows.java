package io.leakdetector.etw;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.platform.win32.Advapi32;
import com.sun.jna.platform.win32.Tlhelp32;
import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinDef.DWORD;
import com.sun.jna.platform.win32.WinNT;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.platform.win32.WinNT.HANDLEByReference;
import com.sun.jna.platform.win32.WinReg;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import io.leakdetector.etw.decode.EventRecords;
import io.leakdetector.etw.win32.EventTraceLogfileW;
import io.leakdetector.etw.win32.EventTracing;
import io.leakdetector.etw.win32.Kernel32Ex;
import io.leakdetector.etw.win32.Utf16;
import io.leakdetector.etw.win32.WinError;
import io.leakdetector.etw.win32.WindowsApi;
import io.leakdetector.testkit.Scripted;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted Windows for the lifecycle tests: advapi32 keeps a table of running sessions by name
 * (plus, optionally, another tool's heap session) and answers like the documentation says;
 * ProcessTrace calls the callbacks through the native function pointers that OpenTraceW's structure
 * holds at their documented offsets (400 and 424), as ETW would. kernel32 keeps a table of
 * processes. Every call is logged in order.
 */
final class FakeWindows {
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  final Advapi advapi32 = new Advapi();
  final Kernel kernel32 = new Kernel();
  final Security security = new Security();
  final Kernel32Ex kernel32Api = Scripted.as(MethodHandles.lookup(), Kernel32Ex.class, kernel32);
  volatile int lastError;

  WindowsApi api() {
    return new WindowsApi(
        advapi32,
        kernel32Api,
        Scripted.as(MethodHandles.lookup(), Advapi32.class, security),
        () -> lastError);
  }

  /**
   * Every call so far, copied under the log's lock: the source's threads keep logging while a test
   * reads, and iterating the live list then throws ConcurrentModificationException.
   */
  List<String> calls() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  /** Calls whose text starts with {@code prefix}. */
  List<String> calls(String prefix) {
    synchronized (log) {
      return log.stream().filter(call -> call.startsWith(prefix)).toList();
    }
  }

  static final int SYSTEM_LOGGER_MODE = 0x02000000;

  final class Advapi implements EventTracing {
    final Set<String> sessions = Collections.synchronizedSet(new HashSet<>());

    /** Another tool's session holding the heap GUID, by name (null: none). */
    volatile String otherHeapSession;

    /** A stopped session of ours lingers (183 on start, listed) for this many StartTraceW calls. */
    volatile int slowStops;

    /** EnableFlags of the last system-logger session started. */
    volatile int systemLoggerFlags;

    volatile int systemLoggerMode;
    volatile byte[] systemLoggerGuid;

    /** The session of ours that is shutting down, and how many more starts it refuses. */
    volatile String stopping;

    volatile int stoppingRemaining;

    /** Session name to GUID bytes (Wnode.Guid at start). */
    final Map<String, byte[]> guids = Collections.synchronizedMap(new TreeMap<>());

    volatile boolean accessDenied;
    volatile int queryEventsLost;
    volatile int queryLogBuffersLost;
    volatile int queryRealTimeBuffersLost;
    volatile long perfFrequency = 10_000_000L;
    volatile byte[] startProperties;
    volatile byte[] lastControlProperties;
    volatile int openedMode;
    volatile Thread processTraceThread;
    final CountDownLatch processTraceStarted = new CountDownLatch(1);
    final CountDownLatch processTraceReturned = new CountDownLatch(1);

    /** Whether StartTraceW accepts a system-logger session (Windows 8+). */
    volatile boolean systemLoggers = true;

    /** The image session's consumer (its ProcessTrace thread, once it runs). */
    final Trace images = new Trace(ImageSession.NAME, 0x7200);

    private final Trace heap = new Trace(null, 0x7100);
    private final Object endOfTrace = new Object();

    /** One consumer: a queue of records its ProcessTrace delivers, and its logfile. */
    final class Trace {
      final String fixedName;
      final long handle;
      final LinkedBlockingQueue<Object> deliveries = new LinkedBlockingQueue<>();
      final CountDownLatch started = new CountDownLatch(1);
      final CountDownLatch returned = new CountDownLatch(1);
      volatile String name;
      volatile Memory logfile;
      volatile boolean closed;
      volatile Thread thread;

      Trace(String fixedName, long handle) {
        this.fixedName = fixedName;
        this.handle = handle;
      }
    }

    private Trace traceNamed(String name) {
      return name.equals(images.fixedName) ? images : heap;
    }

    private Trace traceOf(long handle) {
      return handle == images.handle ? images : heap;
    }

    /** Queues an image-session record. */
    void deliverImage(Memory record) {
      images.deliveries.add(record);
    }

    /** Queues an event record for ProcessTrace to deliver. */
    void deliver(Memory record) {
      heap.deliveries.add(record);
    }

    /** Ends ProcessTrace as if the session had been stopped by another program. */
    void stopFromOutside() {
      sessions.clear();
      heap.deliveries.add(endOfTrace);
    }

    @Override
    public int StartTraceW(LongByReference sessionHandle, WString sessionName, Pointer properties) {
      log.add("StartTraceW " + sessionName);
      int size = properties.getInt(0);
      startProperties = properties.getByteArray(0, size);
      if (accessDenied) {
        return WinError.ERROR_ACCESS_DENIED;
      }
      String name = sessionName.toString();
      int mode = properties.getInt(64);
      if ((mode & SYSTEM_LOGGER_MODE) != 0) {
        if (!systemLoggers) {
          return WinError.ERROR_NOT_SUPPORTED;
        }
        systemLoggerFlags = properties.getInt(72);
        systemLoggerMode = mode;
        systemLoggerGuid = properties.getByteArray(24, 16);
      }
      if (name.equals(stopping)) {
        if (stoppingRemaining-- > 0) {
          return WinError.ERROR_ALREADY_EXISTS;
        }
        stopping = null;
      }
      byte[] guid = properties.getByteArray(24, 16);
      boolean heapGuid = java.util.Arrays.equals(guid, EventRecords.HEAP_GUID);
      if ((otherHeapSession != null && heapGuid) || sessions.contains(name)) {
        return WinError.ERROR_ALREADY_EXISTS;
      }
      guids.put(name, guid);
      String stored = Utf16.read(properties, properties.getInt(116), 1024);
      if (!stored.equals(sessionName.toString())) {
        throw new AssertionError("name at LoggerNameOffset is '" + stored + "'");
      }
      sessions.add(sessionName.toString());
      sessionHandle.setValue(0x51);
      return WinError.ERROR_SUCCESS;
    }

    @Override
    public int ControlTraceW(
        long sessionHandle, WString sessionName, Pointer properties, int controlCode) {
      String code =
          controlCode == EVENT_TRACE_CONTROL_STOP
              ? "STOP"
              : controlCode == EVENT_TRACE_CONTROL_QUERY ? "QUERY" : "?" + controlCode;
      log.add("ControlTraceW " + code + " " + sessionName);
      lastControlProperties = properties.getByteArray(0, 120);
      if (properties.getInt(0) < 120 + 2 * 2 * 1024 || properties.getInt(116) != 120) {
        return WinError.ERROR_BAD_LENGTH;
      }
      if (accessDenied) {
        return WinError.ERROR_ACCESS_DENIED;
      }
      if (!sessions.contains(sessionName.toString())) {
        return WinError.ERROR_WMI_INSTANCE_NOT_FOUND;
      }
      if (controlCode == EVENT_TRACE_CONTROL_STOP) {
        sessions.remove(sessionName.toString());
        if (slowStops > 0) {
          stopping = sessionName.toString();
          stoppingRemaining = slowStops;
        }
        Trace trace = traceNamed(sessionName.toString());
        if (sessionName.toString().equals(trace.name)) {
          trace.deliveries.add(endOfTrace);
        }
      } else if (controlCode == EVENT_TRACE_CONTROL_QUERY) {
        properties.setInt(88, queryEventsLost);
        properties.setInt(96, queryLogBuffersLost);
        properties.setInt(100, queryRealTimeBuffersLost);
      }
      return WinError.ERROR_SUCCESS;
    }

    @Override
    public int QueryAllTracesW(Pointer[] properties, int count, IntByReference sessionCount) {
      log.add("QueryAllTracesW " + count);
      List<String> names = new ArrayList<>(sessions);
      Map<String, byte[]> listed = new TreeMap<>();
      for (String name : names) {
        listed.put(name, guids.getOrDefault(name, new byte[16]));
      }
      if (stopping != null) {
        listed.put(stopping, EventRecords.HEAP_GUID);
      }
      if (otherHeapSession != null) {
        listed.put(otherHeapSession, EventRecords.HEAP_GUID);
      }
      int i = 0;
      for (Map.Entry<String, byte[]> session : listed.entrySet()) {
        Pointer buffer = properties[i++];
        int nameOffset = buffer.getInt(116);
        if (buffer.getInt(0) < 120 + 2 * 2 * 1024 || nameOffset != 120) {
          return WinError.ERROR_BAD_LENGTH;
        }
        buffer.write(24, session.getValue(), 0, 16);
        Utf16.write(buffer, nameOffset, session.getKey());
      }
      sessionCount.setValue(listed.size());
      return WinError.ERROR_SUCCESS;
    }

    @Override
    public long OpenTraceW(EventTraceLogfileW logfile) {
      logfile.write(); // what the JNA proxy does before the native call
      log.add("OpenTraceW " + Utf16.read(logfile.getPointer().getPointer(8), 0, 1024));
      Memory memory = new Memory(logfile.size());
      memory.write(0, logfile.getPointer().getByteArray(0, logfile.size()), 0, logfile.size());
      String name = Utf16.read(logfile.getPointer().getPointer(8), 0, 1024);
      if (!sessions.contains(name)) {
        lastError = WinError.ERROR_WMI_INSTANCE_NOT_FOUND;
        return INVALID_PROCESSTRACE_HANDLE;
      }
      Trace trace = traceNamed(name);
      trace.name = name;
      trace.logfile = memory;
      if (trace == heap) {
        openedMode = logfile.getPointer().getInt(28);
      }
      logfile.LogfileHeader.PerfFreq = perfFrequency; // the OS fills the header
      return trace.handle;
    }

    @Override
    public int ProcessTrace(
        long[] handleArray, int handleCount, Pointer startTime, Pointer endTime) {
      log.add("ProcessTrace " + Long.toHexString(handleArray[0]) + " " + handleCount);
      Trace trace = traceOf(handleArray[0]);
      trace.thread = Thread.currentThread();
      trace.started.countDown();
      if (trace == heap) {
        processTraceThread = Thread.currentThread();
        processTraceStarted.countDown();
      }
      Function eventCallback = Function.getFunction(trace.logfile.getPointer(424));
      Function bufferCallback = Function.getFunction(trace.logfile.getPointer(400));
      try {
        while (true) {
          Object next = trace.deliveries.poll(10, TimeUnit.MILLISECONDS);
          if (next instanceof Memory record) {
            eventCallback.invoke(new Object[] {record});
          } else if (next == endOfTrace || (next == null && trace.closed)) {
            break;
          } else if (next == null) {
            bufferCallback.invokeInt(new Object[] {trace.logfile});
          }
        }
        bufferCallback.invokeInt(new Object[] {trace.logfile});
        return WinError.ERROR_SUCCESS;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return WinError.ERROR_CANCELLED;
      } finally {
        log.add("ProcessTrace returned " + Long.toHexString(trace.handle));
        trace.returned.countDown();
        if (trace == heap) {
          processTraceReturned.countDown();
        }
      }
    }

    @Override
    public int CloseTrace(long traceHandle) {
      log.add("CloseTrace " + Long.toHexString(traceHandle));
      Trace trace = traceOf(traceHandle);
      trace.closed = true;
      return trace.returned.getCount() > 0
          ? WinError.ERROR_CTX_CLOSE_PENDING
          : WinError.ERROR_SUCCESS;
    }
  }

  /** The scripted token and registry functions of advapi32 (jna-platform's interface). */
  public final class Security {
    volatile boolean debugPrivilegeHeld = true;
    volatile boolean debugPrivilegeEnabled;

    /** HKLM: key path → its DWORD values. */
    final Map<String, Map<String, Integer>> registry = Collections.synchronizedMap(new TreeMap<>());

    volatile boolean registryDenied;
    private final Map<Long, String> openKeys = Collections.synchronizedMap(new TreeMap<>());
    private long nextKey = 0x4000;

    private WinReg.HKEY open(String key) {
      long value = nextKey++;
      openKeys.put(value, key);
      kernel32.openHandles.add(value);
      return new WinReg.HKEY(new Pointer(value));
    }

    private String keyOf(WinReg.HKEY handle) {
      String key = openKeys.get(Pointer.nativeValue(handle.getPointer()));
      if (key == null) {
        throw new AssertionError("not an open key");
      }
      return key;
    }

    public int RegCreateKeyEx(
        WinReg.HKEY root,
        String subKey,
        int reserved,
        String className,
        int options,
        int access,
        WinBase.SECURITY_ATTRIBUTES security,
        WinReg.HKEYByReference result,
        IntByReference disposition) {
      log.add("RegCreateKeyEx " + subKey + " " + Integer.toHexString(access));
      if (!root.equals(WinReg.HKEY_LOCAL_MACHINE)) {
        throw new AssertionError("not HKLM");
      }
      if (registryDenied) {
        return WinError.ERROR_ACCESS_DENIED;
      }
      boolean created = !registry.containsKey(subKey);
      registry.computeIfAbsent(subKey, k -> Collections.synchronizedMap(new TreeMap<>()));
      disposition.setValue(created ? 1 : 2); // REG_CREATED_NEW_KEY, REG_OPENED_EXISTING_KEY
      result.setValue(open(subKey));
      return WinError.ERROR_SUCCESS;
    }

    public int RegOpenKeyEx(
        WinReg.HKEY root, String subKey, int options, int access, WinReg.HKEYByReference result) {
      log.add("RegOpenKeyEx " + subKey);
      if (!registry.containsKey(subKey)) {
        return 2; // ERROR_FILE_NOT_FOUND
      }
      result.setValue(open(subKey));
      return WinError.ERROR_SUCCESS;
    }

    public int RegQueryValueEx(
        WinReg.HKEY key,
        String name,
        int reserved,
        IntByReference type,
        IntByReference data,
        IntByReference size) {
      Integer value = registry.get(keyOf(key)).get(name);
      if (value == null) {
        return 2;
      }
      type.setValue(4); // REG_DWORD
      data.setValue(value);
      return WinError.ERROR_SUCCESS;
    }

    public int RegSetValueEx(
        WinReg.HKEY key, String name, int reserved, int type, byte[] data, int size) {
      int value = (data[0] & 0xFF) | (data[1] & 0xFF) << 8 | (data[2] & 0xFF) << 16 | data[3] << 24;
      log.add("RegSetValueEx " + name + " " + value);
      if (type != 4 || size != 4) {
        throw new AssertionError("not a DWORD");
      }
      registry.get(keyOf(key)).put(name, value);
      return WinError.ERROR_SUCCESS;
    }

    public int RegDeleteValue(WinReg.HKEY key, String name) {
      log.add("RegDeleteValue " + name);
      return registry.get(keyOf(key)).remove(name) != null ? WinError.ERROR_SUCCESS : 2;
    }

    public int RegDeleteKey(WinReg.HKEY root, String subKey) {
      log.add("RegDeleteKey " + subKey);
      return registry.remove(subKey) != null ? WinError.ERROR_SUCCESS : 2;
    }

    public int RegCloseKey(WinReg.HKEY key) {
      long value = Pointer.nativeValue(key.getPointer());
      openKeys.remove(value);
      kernel32.openHandles.remove(value);
      return WinError.ERROR_SUCCESS;
    }

    public boolean OpenProcessToken(HANDLE process, int access, HANDLEByReference token) {
      log.add("OpenProcessToken " + Integer.toHexString(access));
      if (Pointer.nativeValue(process.getPointer()) != -1L) {
        throw new AssertionError("not the current process's pseudo handle");
      }
      kernel32.openHandles.add(0x7000L);
      token.setValue(Kernel.handle(0x7000));
      return true;
    }

    public boolean LookupPrivilegeValue(String system, String name, WinNT.LUID luid) {
      log.add("LookupPrivilegeValue " + name);
      luid.LowPart = 20; // SE_DEBUG_PRIVILEGE
      return true;
    }

    public boolean AdjustTokenPrivileges(
        HANDLE token,
        boolean disableAll,
        WinNT.TOKEN_PRIVILEGES privileges,
        int length,
        WinNT.TOKEN_PRIVILEGES previous,
        IntByReference returnLength) {
      WinNT.LUID_AND_ATTRIBUTES wanted = privileges.Privileges[0];
      log.add(
          "AdjustTokenPrivileges "
              + privileges.PrivilegeCount.intValue()
              + " "
              + wanted.Luid.LowPart
              + " "
              + wanted.Attributes.intValue());
      // Succeeds either way; a privilege not held is reported through the last error only.
      lastError = debugPrivilegeHeld ? 0 : 1300; // ERROR_NOT_ALL_ASSIGNED
      debugPrivilegeEnabled = debugPrivilegeHeld && wanted.Attributes.intValue() == 2;
      return true;
    }
  }

  /** The scripted kernel32 (jna-platform's interface and ours, through {@link Scripted}). */
  public final class Kernel {
    final Map<Integer, String> processes = Collections.synchronizedMap(new TreeMap<>());
    final Map<Integer, CountDownLatch> exits = Collections.synchronizedMap(new TreeMap<>());
    final Map<Integer, Integer> exitCodes = Collections.synchronizedMap(new TreeMap<>());
    final Set<Long> openHandles = Collections.synchronizedSet(new HashSet<>());
    volatile boolean openDenied;
    volatile boolean launchFails;
    volatile String launchedCommandLine;
    volatile int launchedFlags;
    private Integer[] snapshot;
    private int cursor;

    void run(int pid, String exe) {
      processes.put(pid, exe);
      exits.put(pid, new CountDownLatch(1));
    }

    void exit(int pid, int code) {
      exitCodes.put(pid, code);
      processes.remove(pid);
      exits.get(pid).countDown();
    }

    static HANDLE handle(long value) {
      return new HANDLE(new Pointer(value));
    }

    private int pidOf(HANDLE handle) {
      return (int) (Pointer.nativeValue(handle.getPointer()) - 0x1000);
    }

    /** Processes only an enabled SeDebugPrivilege opens (a service, another user's). */
    final Set<Integer> needDebugPrivilege = Collections.synchronizedSet(new HashSet<>());

    public HANDLE GetCurrentProcess() {
      return handle(-1L);
    }

    public HANDLE OpenProcess(int desiredAccess, boolean inheritHandle, int processId) {
      log.add("OpenProcess " + Integer.toHexString(desiredAccess) + " " + processId);
      if (openDenied
          || (needDebugPrivilege.contains(processId) && !security.debugPrivilegeEnabled)) {
        lastError = WinError.ERROR_ACCESS_DENIED;
        return null;
      }
      if (!processes.containsKey(processId)) {
        lastError = WinError.ERROR_INVALID_PARAMETER;
        return null;
      }
      openHandles.add(0x1000L + processId);
      return handle(0x1000L + processId);
    }

    public boolean CloseHandle(HANDLE handle) {
      long value = Pointer.nativeValue(handle.getPointer());
      log.add("CloseHandle " + Long.toHexString(value));
      openHandles.remove(value);
      return true;
    }

    public int WaitForSingleObject(HANDLE handle, int milliseconds) {
      CountDownLatch exit = exits.get(pidOf(handle));
      try {
        return exit != null && exit.await(milliseconds, TimeUnit.MILLISECONDS)
            ? WinBase.WAIT_OBJECT_0
            : com.sun.jna.platform.win32.WinError.WAIT_TIMEOUT;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return WinBase.WAIT_FAILED;
      }
    }

    public boolean GetExitCodeProcess(HANDLE process, IntByReference exitCode) {
      exitCode.setValue(exitCodes.getOrDefault(pidOf(process), WinBase.STILL_ACTIVE));
      return true;
    }

    public boolean TerminateProcess(HANDLE process, int exitCode) {
      log.add("TerminateProcess " + pidOf(process));
      exit(pidOf(process), exitCode);
      return true;
    }

    public HANDLE CreateToolhelp32Snapshot(DWORD flags, DWORD processId) {
      log.add("CreateToolhelp32Snapshot " + flags.intValue());
      snapshot = processes.keySet().toArray(new Integer[0]);
      return handle(0x5000);
    }

    public boolean Process32First(HANDLE snapshotHandle, Tlhelp32.PROCESSENTRY32 entry) {
      cursor = 0;
      return Process32Next(snapshotHandle, entry);
    }

    public boolean Process32Next(HANDLE snapshotHandle, Tlhelp32.PROCESSENTRY32 entry) {
      if (entry.dwSize.intValue() != entry.size()) {
        throw new AssertionError("dwSize " + entry.dwSize);
      }
      if (cursor >= snapshot.length) {
        return false;
      }
      int pid = snapshot[cursor++];
      entry.th32ProcessID = new DWORD(pid);
      char[] name = processes.get(pid).toCharArray();
      System.arraycopy(name, 0, entry.szExeFile, 0, name.length);
      return true;
    }

    public boolean CreateProcessW(
        String applicationName,
        char[] commandLine,
        WinBase.SECURITY_ATTRIBUTES processAttributes,
        WinBase.SECURITY_ATTRIBUTES threadAttributes,
        boolean inheritHandles,
        DWORD creationFlags,
        Pointer environment,
        String currentDirectory,
        WinBase.STARTUPINFO startupInfo,
        WinBase.PROCESS_INFORMATION processInformation) {
      launchedCommandLine = Native.toString(commandLine);
      if (commandLine[commandLine.length - 1] != 0) {
        throw new AssertionError("command line not NUL-terminated");
      }
      launchedFlags = creationFlags.intValue();
      log.add("CreateProcessW " + launchedCommandLine);
      if (startupInfo.cb.intValue() != startupInfo.size()) {
        throw new AssertionError("STARTUPINFOW.cb " + startupInfo.cb);
      }
      if (launchFails) {
        lastError = 2;
        return false;
      }
      run(4242, "demo.exe");
      processInformation.dwProcessId = new DWORD(4242);
      processInformation.hProcess = handle(0x1000 + 4242);
      processInformation.hThread = handle(0x9000);
      openHandles.add(0x1000L + 4242);
      openHandles.add(0x9000L);
      return true;
    }

    /** Drives and their NT devices (QueryDosDeviceW). */
    final Map<String, String> devices =
        new TreeMap<>(Map.of("C:", "\\Device\\HarddiskVolume3", "D:", "\\Device\\HarddiskVolume5"));

    public int QueryDosDevice(String deviceName, char[] targetPath, int max) {
      String device = devices.get(deviceName);
      if (device == null) {
        return 0;
      }
      String multi = device + "\0\0"; // a list of names, NUL-separated, ends with two NULs
      multi.getChars(0, multi.length(), targetPath, 0);
      return multi.length();
    }

    public int ResumeThread(HANDLE thread) {
      log.add("ResumeThread " + Long.toHexString(Pointer.nativeValue(thread.getPointer())));
      return 1;
    }

    public boolean QueryPerformanceFrequency(LongByReference frequency) {
      frequency.setValue(10_000_000L);
      return true;
    }
  }
}
