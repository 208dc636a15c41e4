package io.leakdetector.etw;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import io.leakdetector.LeakDetectorException;
import io.leakdetector.LeakDetectorException.Kind;
import io.leakdetector.etw.decode.QpcClock;
import io.leakdetector.etw.decode.RecordConsumer;
import io.leakdetector.etw.win32.EventTraceLogfileW;
import io.leakdetector.etw.win32.EventTracing;
import io.leakdetector.etw.win32.Utf16;
import io.leakdetector.etw.win32.WinError;
import io.leakdetector.etw.win32.WindowsApi;
import java.util.function.IntConsumer;

/**
 * The consumer side (FACTS.md, "Consumer"): opens the real-time session with raw timestamps and
 * event records, runs the blocking {@code ProcessTrace} on its own daemon thread and closes the
 * handle. The logfile structure, its name and both callbacks are fields, so that they stay
 * reachable (a collected JNA callback would be freed under ETW's feet).
 */
final class TraceConsumer {
  static final int PROCESS_TRACE_MODE =
      EventTracing.PROCESS_TRACE_MODE_REAL_TIME
          | EventTracing.PROCESS_TRACE_MODE_EVENT_RECORD
          | EventTracing.PROCESS_TRACE_MODE_RAW_TIMESTAMP;

  private final WindowsApi api;
  private final RecordConsumer decoder;
  private final String threadName;
  private final IntConsumer onEnd;
  private final Memory loggerName;
  private final EventTraceLogfileW logfile = new EventTraceLogfileW();
  private final EventTracing.EventRecordCallback eventCallback;
  private final EventTracing.BufferCallback bufferCallback;
  private long handle = EventTracing.INVALID_PROCESSTRACE_HANDLE;
  private Thread thread;

  /**
   * @param onEnd called on the consumer thread once ProcessTrace has returned (with its result) and
   *     the decoder has delivered what it held
   */
  TraceConsumer(
      WindowsApi api,
      String sessionName,
      RecordConsumer decoder,
      String threadName,
      IntConsumer onEnd) {
    this.api = api;
    this.threadName = threadName;
    this.decoder = decoder;
    this.onEnd = onEnd;
    this.loggerName = Utf16.allocate(sessionName);
    this.eventCallback = decoder::onEvent;
    this.bufferCallback = this::onBuffer;
  }

  /** Opens the session for consumption; returns the clock its raw timestamps count in. */
  synchronized QpcClock open() throws LeakDetectorException {
    logfile.LoggerName = loggerName;
    logfile.ProcessTraceMode = PROCESS_TRACE_MODE;
    logfile.EventRecordCallback = eventCallback;
    logfile.BufferCallback = bufferCallback;
    long opened = api.etw().OpenTraceW(logfile);
    if (opened == EventTracing.INVALID_PROCESSTRACE_HANDLE) {
      int error = api.lastError().getAsInt();
      if (error == WinError.ERROR_ACCESS_DENIED) {
        throw new LeakDetectorException(Kind.NOT_PERMITTED, HeapSession.ADMIN);
      }
      throw new LeakDetectorException(
          Kind.SOURCE_FAILED,
          "Windows refused to open the ETW heap session for reading (OpenTraceW error "
              + error
              + ").");
    }
    handle = opened;
    long frequency = logfile.LogfileHeader.PerfFreq;
    if (frequency <= 0) {
      LongByReference counter = new LongByReference();
      api.kernel32().QueryPerformanceFrequency(counter);
      frequency = counter.getValue();
    }
    return new QpcClock(frequency);
  }

  /** The logfile passed to OpenTraceW (for tests). */
  EventTraceLogfileW logfile() {
    return logfile;
  }

  /** Starts ProcessTrace on a daemon thread. */
  synchronized void start() {
    long processing = handle;
    thread = new Thread(() -> run(processing), threadName);
    thread.setDaemon(true);
    thread.start();
  }

  private void run(long processing) {
    int result = WinError.ERROR_SUCCESS;
    try {
      result = api.etw().ProcessTrace(new long[] {processing}, 1, null, null);
    } finally {
      decoder.flush();
      onEnd.accept(result);
    }
  }

  private int onBuffer(Pointer logfileMemory) {
    decoder.endOfBuffer();
    return 1;
  }

  /** Closes the processing handle (ProcessTrace then returns); the result, 7007 counting as 0. */
  synchronized int close() {
    if (handle == EventTracing.INVALID_PROCESSTRACE_HANDLE) {
      return WinError.ERROR_SUCCESS;
    }
    int result = api.etw().CloseTrace(handle);
    handle = EventTracing.INVALID_PROCESSTRACE_HANDLE;
    return result == WinError.ERROR_CTX_CLOSE_PENDING ? WinError.ERROR_SUCCESS : result;
  }

  /**
   * Waits for the ProcessTrace thread; true when it has ended (or never started, or is the caller).
   */
  boolean join(long millis) throws InterruptedException {
    Thread consumer;
    synchronized (this) {
      consumer = thread;
    }
    if (consumer == null || consumer == Thread.currentThread()) {
      return true;
    }
    consumer.join(millis);
    return !consumer.isAlive();
  }

  synchronized boolean isConsumerThread(Thread candidate) {
    return thread == candidate;
  }
}
