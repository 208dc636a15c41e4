package io.leakdetector.uprobes.bpf;

import static io.leakdetector.uprobes.bpf.BpfAssembler.R0;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R1;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R10;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R2;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R3;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R4;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R6;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R7;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R8;
import static io.leakdetector.uprobes.bpf.BpfAssembler.R9;

/**
 * Generates the small programs that run at each probe hit. Every program first reads the {@code
 * armed} word of the globals map and does nothing until it is set (so all probes turn on at one
 * instant, and in launch mode at the command's first instruction); then it reserves a record in the
 * ring buffer ({@link ProbeRecord}), fills it and submits it. A full ring adds one to the globals'
 * {@code lost} counter instead. The reader is woken only when the ring holds more than the wake-up
 * threshold; otherwise it drains on its own timer.
 *
 * <p>When the source traces the JVM it runs in ({@link Maps#excludedThreads()} given), every
 * program, right after the armed check, looks the current thread up in the excluded-threads hash
 * (tid to u8) and, for the detector's own threads, adds one to the globals' {@code excluded}
 * counter and returns: the detector's allocations never reach the ring, so there is no feedback
 * loop. Without that map the programs are as before.
 *
 * <p>Globals (one array value, mapped by the reader): {@code u32 armed} at 0, {@code u64 lost} at
 * 8, {@code u64 excluded} at 16.
 */
public final class ProbePrograms {
  public static final int GLOBALS_SIZE = 24;
  public static final int GLOBAL_ARMED = 0;
  public static final int GLOBAL_LOST = 8;
  public static final int GLOBAL_EXCLUDED = 16;

  /** No excluded-threads map: nobody's events are dropped. */
  public static final int NO_EXCLUDED_THREADS = -1;

  // helper function ids (linux/bpf.h, enum bpf_func_id)
  static final int MAP_LOOKUP_ELEM = 1;
  static final int MAP_UPDATE_ELEM = 2;
  static final int MAP_DELETE_ELEM = 3;
  static final int KTIME_GET_NS = 5;
  static final int GET_CURRENT_PID_TGID = 14;
  static final int GET_STACK = 67;
  static final int PROBE_READ_USER = 112;
  static final int RINGBUF_RESERVE = 131;
  static final int RINGBUF_SUBMIT = 132;
  static final int RINGBUF_QUERY = 134;
  static final int GET_ATTACH_COOKIE = 174;

  /**
   * A site index that means "the probe's attach cookie": one program serves every site of a
   * uprobe-multi link, each offset's cookie being its site index.
   */
  public static final int SITE_FROM_COOKIE = -1;

  static final int F_USER_STACK = 0x100;
  static final int RB_NO_WAKEUP = 1;
  static final int RB_FORCE_WAKEUP = 2;
  static final int RB_AVAIL_DATA = 0;

  /**
   * The maps the programs use.
   *
   * @param ring the ring buffer
   * @param globals the one-value array of {@code armed} and {@code lost}
   * @param memptrs a hash from thread (pid_tgid) to posix_memalign's {@code memptr}, from its entry
   *     to its return
   * @param excludedThreads a hash from thread id (u32) to u8 of the threads whose events are
   *     dropped (the detector's own, when it traces itself), or {@link #NO_EXCLUDED_THREADS}
   */
  public record Maps(int ring, int globals, int memptrs, int excludedThreads) {
    /** The maps of a target other than this process: no thread is excluded. */
    public Maps(int ring, int globals, int memptrs) {
      this(ring, globals, memptrs, NO_EXCLUDED_THREADS);
    }
  }

  private final BpfArch arch;
  private final Maps maps;
  private final int maxStack;
  private final int stackCopy;
  private final int wakeupBytes;

  /**
   * @param maxStack deepest user callchain a return record holds
   * @param stackCopy bytes of the user stack a return record copies (a multiple of {@link
   *     ProbeRecord#STACK_CHUNK}, 0 for none)
   * @param wakeupBytes the reader is woken when the ring holds more than this
   */
  public ProbePrograms(BpfArch arch, Maps maps, int maxStack, int stackCopy, int wakeupBytes) {
    if (stackCopy < 0 || stackCopy % ProbeRecord.STACK_CHUNK != 0) {
      throw new IllegalArgumentException("stack copy " + stackCopy);
    }
    this.arch = arch;
    this.maps = maps;
    this.maxStack = maxStack;
    this.stackCopy = stackCopy;
    this.wakeupBytes = wakeupBytes;
  }

  /** The size of this generator's return records. */
  public int returnSize() {
    return ProbeRecord.returnSize(maxStack, stackCopy);
  }

  /**
   * At a function's entry: its three argument registers. {@code site} is the site index, or {@link
   * #SITE_FROM_COOKIE} in a program shared by the sites of a uprobe-multi link.
   */
  public BpfAssembler entry(int site) {
    BpfAssembler a = begin(ProbeRecord.ENTRY_SIZE);
    entryRecord(a, site);
    return end(a);
  }

  /** At posix_memalign's entry: as {@link #entry}, and keeps {@code memptr} for the return. */
  public BpfAssembler memalignEntry(int site) {
    BpfAssembler a = begin(ProbeRecord.ENTRY_SIZE);
    entryRecord(a, site);
    a.call(GET_CURRENT_PID_TGID).storeDw(R10, -8, R0);
    a.loadDw(R1, R6, arch.arg0()).storeDw(R10, -16, R1);
    a.loadMap(R1, maps.memptrs());
    a.movReg(R2, R10).addImm(R2, -8);
    a.movReg(R3, R10).addImm(R3, -16);
    a.movImm(R4, 0).call(MAP_UPDATE_ELEM);
    return end(a);
  }

  /** At a function's return: its result and the user callchain. */
  public BpfAssembler ret(int site) {
    BpfAssembler a = begin(returnSize());
    returnRecord(a, site);
    submit(a);
    return end(a);
  }

  /**
   * At posix_memalign's return: as {@link #ret}, plus {@code memptr} from the entry and the pointer
   * it holds now, read in the kernel while the thread is still stopped at the return.
   */
  public BpfAssembler memalignReturn(int site) {
    BpfAssembler a = begin(returnSize());
    returnRecord(a, site);
    a.call(GET_CURRENT_PID_TGID).storeDw(R10, -8, R0);
    a.loadMap(R1, maps.memptrs()).movReg(R2, R10).addImm(R2, -8).call(MAP_LOOKUP_ELEM);
    a.jeqImm(R0, 0, "submit");
    a.loadDw(R8, R0, 0).storeDw(R7, ProbeRecord.V1, R8);
    a.loadMap(R1, maps.memptrs()).movReg(R2, R10).addImm(R2, -8).call(MAP_DELETE_ELEM);
    a.movReg(R1, R7).addImm(R1, ProbeRecord.V2).movImm(R2, 8).movReg(R3, R8);
    a.call(PROBE_READ_USER);
    a.jneImm(R0, 0, "submit");
    a.storeWImm(R7, ProbeRecord.FLAGS, ProbeRecord.FLAG_VALUE_READ);
    submit(a);
    return end(a);
  }

  private void entryRecord(BpfAssembler a, int site) {
    header(a, site, ProbeRecord.KIND_ENTRY);
    copyRegister(a, arch.arg0(), ProbeRecord.V0);
    copyRegister(a, arch.arg1(), ProbeRecord.V1);
    copyRegister(a, arch.arg2(), ProbeRecord.V2);
    submit(a);
  }

  private void returnRecord(BpfAssembler a, int site) {
    header(a, site, ProbeRecord.KIND_RETURN);
    copyRegister(a, arch.result(), ProbeRecord.V0);
    a.storeDwImm(R7, ProbeRecord.V1, 0).storeDwImm(R7, ProbeRecord.V2, 0);
    a.storeWImm(R7, ProbeRecord.FLAGS, 0);
    stack(a);
    registersAndStackCopy(a);
  }

  /**
   * At the dynamic loader's entry, where a program that the target execs starts: sets {@code armed}
   * (in launch mode the probes then start at the command's first instruction, not in the shell that
   * execs it) and writes an exec record, after which the old program's blocks are gone.
   */
  public BpfAssembler exec() {
    BpfAssembler a = new BpfAssembler();
    a.movReg(R6, R1);
    a.loadMapValue(R1, maps.globals(), GLOBAL_ARMED);
    a.movImm(R2, 1).storeW(R1, 0, R2);
    a.loadMap(R1, maps.ring()).movImm(R2, ProbeRecord.EXEC_SIZE).movImm(R3, 0);
    a.call(RINGBUF_RESERVE);
    a.jeqImm(R0, 0, "full");
    a.movReg(R7, R0);
    header(a, 0xFFFF, ProbeRecord.KIND_EXEC);
    submit(a);
    return end(a);
  }

  private BpfAssembler begin(int recordSize) {
    BpfAssembler a = new BpfAssembler();
    a.movReg(R6, R1);
    a.loadMapValue(R1, maps.globals(), GLOBAL_ARMED);
    a.loadW(R0, R1, 0);
    a.jeqImm(R0, 0, "out");
    if (maps.excludedThreads() != NO_EXCLUDED_THREADS) {
      a.call(GET_CURRENT_PID_TGID).storeW(R10, -4, R0);
      a.loadMap(R1, maps.excludedThreads()).movReg(R2, R10).addImm(R2, -4).call(MAP_LOOKUP_ELEM);
      a.jeqImm(R0, 0, "traced");
      a.loadMapValue(R1, maps.globals(), GLOBAL_EXCLUDED);
      a.movImm(R2, 1).atomicAddDw(R1, 0, R2);
      a.ja("out");
      a.label("traced");
    }
    a.loadMap(R1, maps.ring()).movImm(R2, recordSize).movImm(R3, 0).call(RINGBUF_RESERVE);
    a.jeqImm(R0, 0, "full");
    a.movReg(R7, R0);
    return a;
  }

  private void header(BpfAssembler a, int site, int kind) {
    a.call(KTIME_GET_NS).storeDw(R7, ProbeRecord.TIME, R0);
    a.call(GET_CURRENT_PID_TGID).storeW(R7, ProbeRecord.TID, R0);
    if (site == SITE_FROM_COOKIE) {
      a.movReg(R1, R6).call(GET_ATTACH_COOKIE);
      a.andImm(R0, 0xFFFF).orImm(R0, kind << 16).storeW(R7, ProbeRecord.SITE, R0);
    } else {
      a.storeWImm(R7, ProbeRecord.SITE, ProbeRecord.siteWord(site, kind));
    }
  }

  private void copyRegister(BpfAssembler a, int ctxOffset, int recordOffset) {
    a.loadDw(R1, R6, ctxOffset).storeDw(R7, recordOffset, R1);
  }

  private void stack(BpfAssembler a) {
    a.movReg(R1, R6).movReg(R2, R7).addImm(R2, ProbeRecord.FRAMES);
    a.movImm(R3, 8 * maxStack).movImm(R4, F_USER_STACK).call(GET_STACK);
    a.storeW(R7, ProbeRecord.STACK_BYTES, R0);
  }

  /**
   * The registers an unwinder starts from and the top of the user stack, copied in aligned chunks
   * from the stack pointer rounded down; the first chunk that cannot be read (the stack's end) ends
   * the copy, and {@code copied} says how far it got.
   */
  private void registersAndStackCopy(BpfAssembler a) {
    int regs = ProbeRecord.registers(maxStack);
    copyRegister(a, arch.instructionPointer(), regs + ProbeRecord.REG_IP);
    copyRegister(a, arch.framePointer(), regs + ProbeRecord.REG_BP);
    a.loadDw(R8, R6, arch.stackPointer()).storeDw(R7, regs + ProbeRecord.REG_SP, R8);
    a.andImm(R8, -ProbeRecord.STACK_CHUNK);
    a.movImm(R9, 0);
    int chunks = stackCopy / ProbeRecord.STACK_CHUNK;
    for (int k = 0; k < chunks; k++) {
      int at = k * ProbeRecord.STACK_CHUNK;
      a.movReg(R1, R7).addImm(R1, regs + ProbeRecord.STACK_COPY + at);
      a.movImm(R2, ProbeRecord.STACK_CHUNK);
      a.movReg(R3, R8).addImm(R3, at);
      a.call(PROBE_READ_USER);
      a.jneImm(R0, 0, "copied");
      a.movImm(R9, at + ProbeRecord.STACK_CHUNK);
    }
    a.label("copied");
    a.storeW(R7, regs + ProbeRecord.STACK_COPIED, R9);
  }

  /** Submits the record at R7, waking the reader only past the threshold. */
  private void submit(BpfAssembler a) {
    a.label("submit");
    a.loadMap(R1, maps.ring()).movImm(R2, RB_AVAIL_DATA).call(RINGBUF_QUERY);
    a.movImm(R2, RB_NO_WAKEUP);
    a.jltImm(R0, wakeupBytes, "wake_decided");
    a.movImm(R2, RB_FORCE_WAKEUP);
    a.label("wake_decided");
    a.movReg(R1, R7).call(RINGBUF_SUBMIT);
  }

  /** Appends the common ending (the lost counter for a full ring, and the exit) */
  private BpfAssembler end(BpfAssembler a) {
    a.ja("out");
    a.label("full");
    a.loadMapValue(R1, maps.globals(), GLOBAL_LOST);
    a.movImm(R2, 1).atomicAddDw(R1, 0, R2);
    a.label("out");
    a.movImm(R0, 0).exit();
    return a;
  }
}
