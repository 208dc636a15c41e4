package io.leakdetector.uprobes.bpf;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.leakdetector.uprobes.linux.LinuxC;
import java.nio.charset.StandardCharsets;

/**
 * The {@code bpf(2)} commands this source uses, on {@code union bpf_attr} laid out by hand (offsets
 * from {@code linux/bpf.h}, checked against the uapi header in the tests). Every method throws
 * {@link LastErrorException} with the kernel's errno, except {@link #loadProgram}, which also gives
 * the verifier's log.
 */
public final class Bpf {
  /** {@code sizeof(union bpf_attr)} as far as the fields used here reach, rounded up. */
  static final int ATTR_SIZE = 144;

  static final int CMD_MAP_CREATE = 0;
  static final int CMD_MAP_LOOKUP_ELEM = 1;
  static final int CMD_MAP_UPDATE_ELEM = 2;
  static final int CMD_PROG_LOAD = 5;
  static final int CMD_LINK_CREATE = 28;

  /** {@code BPF_TRACE_UPROBE_MULTI} (Linux 6.6+): one link attaches a program to many offsets. */
  public static final int TRACE_UPROBE_MULTI = 48;

  /** {@code BPF_F_UPROBE_MULTI_RETURN}: the link's probes are return probes. */
  public static final int F_UPROBE_MULTI_RETURN = 1;

  public static final int MAP_TYPE_HASH = 1;
  public static final int MAP_TYPE_ARRAY = 2;
  public static final int MAP_TYPE_RINGBUF = 27;

  /** {@code BPF_F_MMAPABLE}: an array map whose values user space maps. */
  public static final int F_MMAPABLE = 1 << 10;

  public static final int PROG_TYPE_KPROBE = 2;

  /**
   * The license the programs declare; the stack and ring buffer helpers need a GPL-compatible one.
   */
  public static final String LICENSE = "Dual BSD/GPL";

  // union bpf_attr offsets (linux/bpf.h)
  static final int MAP_TYPE = 0;
  static final int KEY_SIZE = 4;
  static final int VALUE_SIZE = 8;
  static final int MAX_ENTRIES = 12;
  static final int MAP_FLAGS = 16;
  static final int MAP_NAME = 28;
  static final int ELEM_MAP_FD = 0;
  static final int ELEM_KEY = 8;
  static final int ELEM_VALUE = 16;
  static final int ELEM_FLAGS = 24;
  static final int PROG_TYPE = 0;
  static final int INSN_CNT = 4;
  static final int INSNS = 8;
  static final int PROG_LICENSE = 16;
  static final int LOG_LEVEL = 24;
  static final int LOG_SIZE = 28;
  static final int LOG_BUF = 32;
  static final int PROG_NAME = 48;
  static final int EXPECTED_ATTACH_TYPE = 68;
  static final int LINK_PROG_FD = 0;
  static final int LINK_ATTACH_TYPE = 8;
  static final int LINK_FLAGS = 12;
  static final int UPROBE_MULTI_PATH = 16;
  static final int UPROBE_MULTI_OFFSETS = 24;
  static final int UPROBE_MULTI_COOKIES = 40;
  static final int UPROBE_MULTI_CNT = 48;
  static final int UPROBE_MULTI_FLAGS = 52;
  static final int UPROBE_MULTI_PID = 56;

  /** A program the verifier refused, with the last lines of its log. */
  public static final class VerifierRejection extends Exception {
    private final int errno;
    private final String log;

    VerifierRejection(String programName, int errno, String log) {
      super(
          "The kernel's BPF verifier refused the program "
              + programName
              + " ("
              + LinuxC.strerror(errno)
              + "): "
              + lastLine(log));
      this.errno = errno;
      this.log = log;
    }

    public int errno() {
      return errno;
    }

    /** The verifier's whole log. */
    public String log() {
      return log;
    }

    private static String lastLine(String log) {
      String[] lines = log.strip().split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        String line = lines[i].strip();
        if (!line.isEmpty()
            && !line.startsWith("processed ")
            && !line.startsWith("verification time")) {
          return line;
        }
      }
      return "(no log)";
    }
  }

  private final long syscall;

  public Bpf(BpfArch arch) {
    this.syscall = arch.bpfSyscall();
  }

  private long call(int command, Memory attr) {
    return LinuxC.syscall(syscall, command, Pointer.nativeValue(attr), ATTR_SIZE, 0, 0, 0);
  }

  /** Creates a map; returns its file descriptor. */
  public int createMap(
      int type, int keySize, int valueSize, int maxEntries, int flags, String name) {
    try (Memory attr = zeroed()) {
      attr.setInt(MAP_TYPE, type);
      attr.setInt(KEY_SIZE, keySize);
      attr.setInt(VALUE_SIZE, valueSize);
      attr.setInt(MAX_ENTRIES, maxEntries);
      attr.setInt(MAP_FLAGS, flags);
      putName(attr, MAP_NAME, name);
      return (int) call(CMD_MAP_CREATE, attr);
    }
  }

  /** Writes the value of {@code key} (a u32) of an array or hash map. */
  public void updateElement(int mapFd, int key, byte[] value) {
    try (Memory attr = zeroed();
        Memory k = new Memory(4);
        Memory v = new Memory(value.length)) {
      k.setInt(0, key);
      v.write(0, value, 0, value.length);
      attr.setInt(ELEM_MAP_FD, mapFd);
      attr.setLong(ELEM_KEY, Pointer.nativeValue(k));
      attr.setLong(ELEM_VALUE, Pointer.nativeValue(v));
      attr.setLong(ELEM_FLAGS, 0);
      call(CMD_MAP_UPDATE_ELEM, attr);
    }
  }

  /** The size of the scratch memory {@link #updateElement(Memory, int, int, byte)} needs. */
  public static final int UPDATE_SCRATCH_SIZE = ATTR_SIZE + 8;

  /**
   * Writes the one-byte value of {@code key} (a u32) of a map through {@code scratch} ({@link
   * #UPDATE_SCRATCH_SIZE} bytes), allocating nothing: for a thread that excludes itself from
   * tracing, whose allocations made before the exclusion would be freed after it, unseen.
   */
  public void updateElement(Memory scratch, int mapFd, int key, byte value) {
    scratch.clear(ATTR_SIZE);
    scratch.setInt(ATTR_SIZE, key);
    scratch.setByte(ATTR_SIZE + 4, value);
    scratch.setInt(ELEM_MAP_FD, mapFd);
    scratch.setLong(ELEM_KEY, Pointer.nativeValue(scratch) + ATTR_SIZE);
    scratch.setLong(ELEM_VALUE, Pointer.nativeValue(scratch) + ATTR_SIZE + 4);
    scratch.setLong(ELEM_FLAGS, 0);
    call(CMD_MAP_UPDATE_ELEM, scratch);
  }

  /** Reads the value of {@code key} (a u32) of an array map into {@code value}. */
  public void lookupElement(int mapFd, int key, byte[] value) {
    try (Memory attr = zeroed();
        Memory k = new Memory(4);
        Memory v = new Memory(value.length)) {
      k.setInt(0, key);
      attr.setInt(ELEM_MAP_FD, mapFd);
      attr.setLong(ELEM_KEY, Pointer.nativeValue(k));
      attr.setLong(ELEM_VALUE, Pointer.nativeValue(v));
      call(CMD_MAP_LOOKUP_ELEM, attr);
      v.read(0, value, 0, value.length);
    }
  }

  /**
   * Loads a kprobe-type program (uprobes use that type).
   *
   * @return its file descriptor
   * @throws VerifierRejection when the verifier refuses it (errno and log kept)
   * @throws LastErrorException for any other failure (e.g. EPERM)
   */
  public int loadProgram(String name, byte[] instructions, int logBytes) throws VerifierRejection {
    return loadProgram(name, instructions, logBytes, 0);
  }

  /**
   * Loads a kprobe-type program for an attach type ({@link #TRACE_UPROBE_MULTI} for uprobe-multi
   * links, 0 for perf events).
   *
   * @throws VerifierRejection when the verifier refuses it (errno and log kept)
   * @throws LastErrorException for any other failure
   */
  public int loadProgram(String name, byte[] instructions, int logBytes, int expectedAttachType)
      throws VerifierRejection {
    byte[] license = (LICENSE + "\0").getBytes(StandardCharsets.US_ASCII);
    try (Memory attr = zeroed();
        Memory insns = new Memory(instructions.length);
        Memory lic = new Memory(license.length);
        Memory log = new Memory(Math.max(1, logBytes))) {
      insns.write(0, instructions, 0, instructions.length);
      lic.write(0, license, 0, license.length);
      log.setByte(0, (byte) 0);
      attr.setInt(PROG_TYPE, PROG_TYPE_KPROBE);
      attr.setInt(INSN_CNT, instructions.length / 8);
      attr.setLong(INSNS, Pointer.nativeValue(insns));
      attr.setLong(PROG_LICENSE, Pointer.nativeValue(lic));
      attr.setInt(EXPECTED_ATTACH_TYPE, expectedAttachType);
      putName(attr, PROG_NAME, name);
      try {
        return (int) call(CMD_PROG_LOAD, attr);
      } catch (LastErrorException first) {
        // the verifier refuses with EACCES or EINVAL; anything else (EPERM, EMFILE, ENOMEM) is not
        // about the program
        int errno = first.getErrorCode();
        if ((errno != LinuxC.EACCES && errno != LinuxC.EINVAL) || logBytes <= 0) {
          throw first;
        }
      }
      // load again with the log on, to say why (a log slows loading, so only on failure)
      attr.setInt(LOG_LEVEL, 1);
      attr.setInt(LOG_SIZE, logBytes);
      attr.setLong(LOG_BUF, Pointer.nativeValue(log));
      try {
        return (int) call(CMD_PROG_LOAD, attr);
      } catch (LastErrorException e) {
        String text = log.getString(0, StandardCharsets.UTF_8.name());
        if (text.isBlank()) {
          throw e;
        }
        throw new VerifierRejection(name, e.getErrorCode(), text);
      }
    }
  }

  /**
   * Attaches a program to {@code offsets} of the file at {@code path} for process {@code pid} (all
   * its threads) with one uprobe-multi link; each offset's cookie is what {@code
   * bpf_get_attach_cookie} gives the program there.
   *
   * @return the link's file descriptor; closing it removes every probe of the link
   * @throws LastErrorException with the kernel's errno (EINVAL before Linux 6.6)
   */
  public int createUprobeMultiLink(
      int programFd, String path, long[] offsets, long[] cookies, boolean returnProbes, int pid) {
    byte[] p = (path + "\0").getBytes(StandardCharsets.UTF_8);
    try (Memory attr = zeroed();
        Memory pathMemory = new Memory(p.length);
        Memory offsetMemory = new Memory(8L * offsets.length);
        Memory cookieMemory = new Memory(8L * cookies.length)) {
      pathMemory.write(0, p, 0, p.length);
      offsetMemory.write(0, offsets, 0, offsets.length);
      cookieMemory.write(0, cookies, 0, cookies.length);
      attr.setInt(LINK_PROG_FD, programFd);
      attr.setInt(LINK_ATTACH_TYPE, TRACE_UPROBE_MULTI);
      attr.setInt(LINK_FLAGS, 0);
      attr.setLong(UPROBE_MULTI_PATH, Pointer.nativeValue(pathMemory));
      attr.setLong(UPROBE_MULTI_OFFSETS, Pointer.nativeValue(offsetMemory));
      attr.setLong(UPROBE_MULTI_COOKIES, Pointer.nativeValue(cookieMemory));
      attr.setInt(UPROBE_MULTI_CNT, offsets.length);
      attr.setInt(UPROBE_MULTI_FLAGS, returnProbes ? F_UPROBE_MULTI_RETURN : 0);
      attr.setInt(UPROBE_MULTI_PID, pid);
      return (int) call(CMD_LINK_CREATE, attr);
    }
  }

  private static Memory zeroed() {
    Memory attr = new Memory(ATTR_SIZE);
    attr.clear();
    return attr;
  }

  /** Object names: at most 15 characters of [A-Za-z0-9_.], NUL-terminated. */
  private static void putName(Memory attr, int offset, String name) {
    String clean = name.replaceAll("[^A-Za-z0-9_.]", "_");
    byte[] bytes =
        clean.substring(0, Math.min(15, clean.length())).getBytes(StandardCharsets.US_ASCII);
    attr.write(offset, bytes, 0, bytes.length);
  }
}
