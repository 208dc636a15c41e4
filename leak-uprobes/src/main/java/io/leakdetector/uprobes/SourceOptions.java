package io.leakdetector.uprobes;

import io.leakdetector.LeakDetectorException;
import io.leakdetector.spi.SourceRequest;

/**
 * The uprobes source's settings, from {@link SourceRequest#options()}.
 *
 * @param mode the design: {@code auto} (BPF where it is permitted, else per-thread), {@code bpf} or
 *     {@code per-thread} ({@code uprobes.mode})
 * @param ringBytes data bytes of each per-CPU ring of the per-thread design ({@code
 *     uprobes.ring-kib}, default 16384 KiB with a stack copy, else 4096 KiB; a power of two number
 *     of pages)
 * @param bpfRingBytes data bytes of the BPF design's one ring ({@code uprobes.ring-kib} when given,
 *     else 65536 KiB with a stack copy, 16384 KiB without)
 * @param wakeupPercent the consumer wakes when a ring is this full ({@code uprobes.wakeup-percent},
 *     default 25)
 * @param pollMillis and at least this often ({@code uprobes.poll-ms}, default 20)
 * @param reorderNanos events younger than this at a drain wait for the next one, so events from all
 *     CPUs are applied in time order ({@code uprobes.reorder-ms}, default 10)
 * @param maxStack deepest user callchain taken ({@code uprobes.max-stack}, default 64)
 * @param memalignDumpBytes user stack bytes dumped at posix_memalign's return ({@code
 *     uprobes.memalign-dump}, default 1024)
 * @param bpfAttach how the BPF design places its probes ({@code uprobes.bpf-attach}): {@code auto}
 *     (uprobe-multi links where the kernel has them, Linux 6.6+, else one perf event per probe),
 *     {@code links} or {@code events}
 * @param placeAfterPrologue whether probes move past side-effect-free first instructions ({@code
 *     uprobes.placement} = {@code auto}, the default, or {@code entry})
 * @param unwind how allocation stacks are unwound ({@code uprobes.unwind}): {@code auto} (the
 *     default), {@code dwarf} or {@code fp}
 * @param stackCopy bytes of the user stack copied at each allocation for the unwinder ({@code
 *     uprobes.stack-copy}, a multiple of 512 up to 65536; default {@value #DEFAULT_STACK_COPY}, and
 *     0 with {@code fp}, which needs none)
 */
public record SourceOptions(
    Mode mode,
    int ringBytes,
    int bpfRingBytes,
    int wakeupPercent,
    int pollMillis,
    long reorderNanos,
    int maxStack,
    int memalignDumpBytes,
    BpfAttach bpfAttach,
    boolean placeAfterPrologue,
    Unwind unwind,
    int stackCopy) {

  /** How allocation stacks are unwound. */
  public enum Unwind {
    /** The kernel's frame-pointer callchain only. */
    FP,
    /** Call frame information over the stack copy only. */
    DWARF,
    /**
     * Call frame information over the stack copy until a frame's frame pointer joins the kernel's
     * callchain, which gives the rest.
     */
    AUTO
  }

  public static final int DEFAULT_STACK_COPY = 2048;
  public static final int MAX_STACK_COPY = 65536;

  /** How the BPF design places its probes. */
  public enum BpfAttach {
    AUTO,
    LINKS,
    EVENTS
  }

  /** The Linux source's designs. */
  public enum Mode {
    /** BPF where it is permitted, else the per-thread fallback. */
    AUTO,
    /** One uprobe event per probe for the whole process, with a BPF program. */
    BPF,
    /** Uprobe events per thread and CPU, read through perf rings: the fallback without BPF. */
    PER_THREAD
  }

  static final int BPF_RING_KIB = 16384;

  /**
   * With a stack copy a return record is kilobytes long: python3's start (200 000 allocations in
   * well under a second) lost records in a 16 MiB ring with a 1, 2 or 4 KiB copy and none in 64
   * MiB.
   */
  static final int BPF_RING_KIB_WITH_STACKS = 65536;

  /** Reads and checks the options; a bad value is a USAGE error. */
  public static SourceOptions from(SourceRequest request, int pageSize)
      throws LeakDetectorException {
    String unwindName = request.option("uprobes.unwind", "auto");
    Unwind unwind =
        switch (unwindName) {
          case "auto" -> Unwind.AUTO;
          case "dwarf" -> Unwind.DWARF;
          case "fp" -> Unwind.FP;
          default -> throw usage("The unwind mode must be auto, dwarf or fp, not " + unwindName);
        };
    long stackCopy =
        number(request, "uprobes.stack-copy", unwind == Unwind.FP ? 0 : DEFAULT_STACK_COPY);
    if (stackCopy < 0 || stackCopy > MAX_STACK_COPY || stackCopy % 512 != 0) {
      throw usage(
          "The stack copy must be a multiple of 512 bytes from 0 to "
              + MAX_STACK_COPY
              + ", not "
              + stackCopy);
    }
    // A stack copy makes every return sample kilobytes long: the per-thread design's rings grow
    // with it (measured: 4 MiB rings lost events at 200 000 allocations/s with a 4 KiB copy).
    long ringKib = number(request, "uprobes.ring-kib", stackCopy > 0 ? 16384 : 4096);
    long ringBytes = ringKib * 1024;
    if (ringBytes < pageSize
        || ringBytes > (1L << 30)
        || Long.bitCount(ringBytes) != 1
        || ringBytes % pageSize != 0) {
      throw usage(
          "The option uprobes.ring-kib must be a power of two from "
              + (pageSize / 1024)
              + " to 1048576, not "
              + ringKib);
    }
    int wakeup = (int) number(request, "uprobes.wakeup-percent", 25);
    if (wakeup < 1 || wakeup > 90) {
      throw usage("The option uprobes.wakeup-percent must be between 1 and 90, not " + wakeup);
    }
    int poll = (int) number(request, "uprobes.poll-ms", 20);
    if (poll < 1 || poll > 1000) {
      throw usage("The option uprobes.poll-ms must be between 1 and 1000, not " + poll);
    }
    long reorder = number(request, "uprobes.reorder-ms", 10);
    if (reorder < 0 || reorder > 1000) {
      throw usage("The option uprobes.reorder-ms must be between 0 and 1000, not " + reorder);
    }
    int maxStack = (int) number(request, "uprobes.max-stack", 64);
    if (maxStack < 1 || maxStack > 127) {
      throw usage("The option uprobes.max-stack must be between 1 and 127, not " + maxStack);
    }
    int dump = (int) number(request, "uprobes.memalign-dump", 1024);
    if (dump < 64 || dump > 16384 || dump % 8 != 0) {
      throw usage(
          "The option uprobes.memalign-dump must be a multiple of 8 from 64 to 16384, not " + dump);
    }
    String placement = request.option("uprobes.placement", "auto");
    if (!placement.equals("auto") && !placement.equals("entry")) {
      throw usage("The option uprobes.placement must be auto or entry, not " + placement);
    }
    String modeName = request.option("uprobes.mode", "auto");
    Mode mode =
        switch (modeName) {
          case "auto" -> Mode.AUTO;
          case "bpf" -> Mode.BPF;
          case "per-thread" -> Mode.PER_THREAD;
          default ->
              throw usage(
                  "The option uprobes.mode must be auto, bpf or per-thread, not " + modeName);
        };
    String attachName = request.option("uprobes.bpf-attach", "auto");
    BpfAttach attach =
        switch (attachName) {
          case "auto" -> BpfAttach.AUTO;
          case "links" -> BpfAttach.LINKS;
          case "events" -> BpfAttach.EVENTS;
          default ->
              throw usage(
                  "The option uprobes.bpf-attach must be auto, links or events, not " + attachName);
        };
    boolean ringGiven = request.option("uprobes.ring-kib", null) != null;
    return new SourceOptions(
        mode,
        (int) ringBytes,
        ringGiven
            ? (int) ringBytes
            : (stackCopy > 0 ? BPF_RING_KIB_WITH_STACKS : BPF_RING_KIB) * 1024,
        wakeup,
        poll,
        reorder * 1_000_000L,
        maxStack,
        dump,
        attach,
        placement.equals("auto"),
        unwind,
        (int) stackCopy);
  }

  private static long number(SourceRequest request, String name, long defaultValue)
      throws LeakDetectorException {
    String value = request.option(name, null);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw usage("The option " + name + " must be a number, not \"" + value + "\"");
    }
  }

  private static LeakDetectorException usage(String message) {
    return new LeakDetectorException(LeakDetectorException.Kind.USAGE, message + ".");
  }
}
