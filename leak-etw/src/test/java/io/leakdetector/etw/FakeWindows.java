package io.leakdetector.etw;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import io.leakdetector.etw.win32.Advapi32;
import io.leakdetector.etw.win32.EventTraceLogfileW;
import io.leakdetector.etw.win32.Kernel32;
import io.leakdetector.etw.win32.ProcessEntry32W;
import io.leakdetector.etw.win32.ProcessInformation;
import io.leakdetector.etw.win32.StartupInfoW;
import io.leakdetector.etw.win32.Utf16;
import io.leakdetector.etw.win32.WinError;
import io.leakdetector.etw.win32.WindowsApi;
import java.nio.charset.StandardCharsets;
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
  volatile int lastError;

  WindowsApi api() {
    return new WindowsApi(advapi32, kernel32, () -> lastError);
  }

  /** Calls whose text starts with {@code prefix}. */
  List<String> calls(String prefix) {
    synchronized (log) {
      return log.stream().filter(call -> call.startsWith(prefix)).toList();
    }
  }

  final class Advapi implements Advapi32 {
    final Set<String> sessions = Collections.synchronizedSet(new HashSet<>());
    volatile boolean otherHeapSession;
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
    private final LinkedBlockingQueue<Object> deliveries = new LinkedBlockingQueue<>();
    private final Object endOfTrace = new Object();
    private volatile String openedName;
    private volatile Memory openedLogfile;
    private volatile boolean closed;

    /** Queues an event record for ProcessTrace to deliver. */
    void deliver(Memory record) {
      deliveries.add(record);
    }

    /** Ends ProcessTrace as if the session had been stopped by another program. */
    void stopFromOutside() {
      sessions.clear();
      deliveries.add(endOfTrace);
    }

    @Override
    public int StartTraceW(LongByReference sessionHandle, WString sessionName, Pointer properties) {
      log.add("StartTraceW " + sessionName);
      int size = properties.getInt(0);
      startProperties = properties.getByteArray(0, size);
      if (accessDenied) {
        return WinError.ERROR_ACCESS_DENIED;
      }
      if (otherHeapSession || sessions.contains(sessionName.toString())) {
        return WinError.ERROR_ALREADY_EXISTS;
      }
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
        if (sessionName.toString().equals(openedName)) {
          deliveries.add(endOfTrace);
        }
      } else if (controlCode == EVENT_TRACE_CONTROL_QUERY) {
        properties.setInt(88, queryEventsLost);
        properties.setInt(96, queryLogBuffersLost);
        properties.setInt(100, queryRealTimeBuffersLost);
      }
      return WinError.ERROR_SUCCESS;
    }

    @Override
    public long OpenTraceW(EventTraceLogfileW logfile) {
      log.add("OpenTraceW");
      logfile.write(); // what the JNA proxy does before the native call
      Memory memory = new Memory(logfile.size());
      memory.write(0, logfile.getPointer().getByteArray(0, logfile.size()), 0, logfile.size());
      String name = Utf16.read(logfile.getPointer().getPointer(8), 0, 1024);
      if (!sessions.contains(name)) {
        lastError = WinError.ERROR_WMI_INSTANCE_NOT_FOUND;
        return INVALID_PROCESSTRACE_HANDLE;
      }
      openedName = name;
      openedMode = logfile.getPointer().getInt(28);
      openedLogfile = memory;
      logfile.LogfileHeader.PerfFreq = perfFrequency; // the OS fills the header
      return 0x7100;
    }

    @Override
    public int ProcessTrace(
        long[] handleArray, int handleCount, Pointer startTime, Pointer endTime) {
      log.add("ProcessTrace " + Long.toHexString(handleArray[0]) + " " + handleCount);
      processTraceThread = Thread.currentThread();
      processTraceStarted.countDown();
      Function eventCallback = Function.getFunction(openedLogfile.getPointer(424));
      Function bufferCallback = Function.getFunction(openedLogfile.getPointer(400));
      try {
        while (true) {
          Object next = deliveries.poll(10, TimeUnit.MILLISECONDS);
          if (next instanceof Memory record) {
            eventCallback.invoke(new Object[] {record});
          } else if (next == endOfTrace || (next == null && closed)) {
            break;
          } else if (next == null) {
            bufferCallback.invokeInt(new Object[] {openedLogfile});
          }
        }
        bufferCallback.invokeInt(new Object[] {openedLogfile});
        return WinError.ERROR_SUCCESS;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return WinError.ERROR_CANCELLED;
      } finally {
        log.add("ProcessTrace returned");
        processTraceReturned.countDown();
      }
    }

    @Override
    public int CloseTrace(long traceHandle) {
      log.add("CloseTrace " + Long.toHexString(traceHandle));
      closed = true;
      return processTraceReturned.getCount() > 0
          ? WinError.ERROR_CTX_CLOSE_PENDING
          : WinError.ERROR_SUCCESS;
    }
  }

  final class Kernel implements Kernel32 {
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

    private int pidOf(Pointer handle) {
      return (int) (Pointer.nativeValue(handle) - 0x1000);
    }

    @Override
    public Pointer OpenProcess(int desiredAccess, boolean inheritHandle, int processId) {
      log.add("OpenProcess " + Integer.toHexString(desiredAccess) + " " + processId);
      if (openDenied) {
        lastError = WinError.ERROR_ACCESS_DENIED;
        return null;
      }
      if (!processes.containsKey(processId)) {
        lastError = WinError.ERROR_INVALID_PARAMETER;
        return null;
      }
      openHandles.add(0x1000L + processId);
      return new Pointer(0x1000L + processId);
    }

    @Override
    public boolean CloseHandle(Pointer handle) {
      log.add("CloseHandle " + Long.toHexString(Pointer.nativeValue(handle)));
      openHandles.remove(Pointer.nativeValue(handle));
      return true;
    }

    @Override
    public int WaitForSingleObject(Pointer handle, int milliseconds) {
      CountDownLatch exit = exits.get(pidOf(handle));
      try {
        return exit != null && exit.await(milliseconds, TimeUnit.MILLISECONDS)
            ? WAIT_OBJECT_0
            : WAIT_TIMEOUT;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return WAIT_FAILED;
      }
    }

    @Override
    public boolean GetExitCodeProcess(Pointer process, IntByReference exitCode) {
      exitCode.setValue(exitCodes.getOrDefault(pidOf(process), STILL_ACTIVE));
      return true;
    }

    @Override
    public boolean TerminateProcess(Pointer process, int exitCode) {
      log.add("TerminateProcess " + pidOf(process));
      exit(pidOf(process), exitCode);
      return true;
    }

    @Override
    public Pointer CreateToolhelp32Snapshot(int flags, int processId) {
      log.add("CreateToolhelp32Snapshot " + flags);
      snapshot = processes.keySet().toArray(new Integer[0]);
      return new Pointer(0x5000);
    }

    @Override
    public boolean Process32FirstW(Pointer snapshotHandle, ProcessEntry32W entry) {
      cursor = 0;
      return Process32NextW(snapshotHandle, entry);
    }

    @Override
    public boolean Process32NextW(Pointer snapshotHandle, ProcessEntry32W entry) {
      if (entry.dwSize != 568) {
        throw new AssertionError("dwSize " + entry.dwSize);
      }
      if (cursor >= snapshot.length) {
        return false;
      }
      int pid = snapshot[cursor++];
      entry.th32ProcessID = pid;
      byte[] name = processes.get(pid).getBytes(StandardCharsets.UTF_16LE);
      System.arraycopy(name, 0, entry.szExeFile, 0, name.length);
      return true;
    }

    @Override
    public boolean CreateProcessW(
        WString applicationName,
        Pointer commandLine,
        Pointer processAttributes,
        Pointer threadAttributes,
        boolean inheritHandles,
        int creationFlags,
        Pointer environment,
        WString currentDirectory,
        StartupInfoW startupInfo,
        ProcessInformation processInformation) {
      launchedCommandLine = Utf16.read(commandLine, 0, 32768);
      launchedFlags = creationFlags;
      log.add("CreateProcessW " + launchedCommandLine);
      if (startupInfo.cb != 104) {
        throw new AssertionError("STARTUPINFOW.cb " + startupInfo.cb);
      }
      if (launchFails) {
        lastError = 2;
        return false;
      }
      run(4242, "demo.exe");
      processInformation.dwProcessId = 4242;
      processInformation.hProcess = new Pointer(0x1000 + 4242);
      processInformation.hThread = new Pointer(0x9000);
      openHandles.add(0x1000L + 4242);
      openHandles.add(0x9000L);
      return true;
    }

    @Override
    public int ResumeThread(Pointer thread) {
      log.add("ResumeThread " + Long.toHexString(Pointer.nativeValue(thread)));
      return 1;
    }

    @Override
    public boolean QueryPerformanceFrequency(LongByReference frequency) {
      frequency.setValue(10_000_000L);
      return true;
    }
  }
}
