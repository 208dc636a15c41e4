package io.leakdetector.cli.e2e;

import io.leakdetector.cli.e2e.AsyncProfilerNativemem.Frame;
import io.leakdetector.cli.e2e.AsyncProfilerNativemem.Stack;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * An async-profiler {@code nativemem} JFR recording read with the JDK's {@code jdk.jfr.consumer}:
 * {@code profiler.Malloc} events (address, size, stack) and {@code profiler.Free} events (address)
 * replayed in time order, the recording's order breaking ties; an allocation is outstanding when no
 * free of its address follows it. A realloc appears as a free of the old address and an allocation.
 */
final class AsyncProfilerNativememJfr {
  private static final Set<String> JAVA_KINDS =
      Set.of("Interpreted", "JIT compiled", "Inlined", "C1 compiled");
  private static final String AGENT_LIBRARY = "libasyncProfiler.so";

  private final List<Stack> allocated;
  private final List<Stack> outstanding;

  private AsyncProfilerNativememJfr(List<Stack> allocated, List<Stack> outstanding) {
    this.allocated = allocated;
    this.outstanding = outstanding;
  }

  /** Every allocation per stack, largest bytes first. */
  List<Stack> allocated() {
    return allocated;
  }

  /** The allocations not freed by the end of the recording per stack, largest bytes first. */
  List<Stack> outstanding() {
    return outstanding;
  }

  /** A block seen allocated: its stack and size. */
  private record Block(List<Frame> frames, long size) {}

  static AsyncProfilerNativememJfr read(Path recording) throws IOException {
    List<RecordedEvent> events = new ArrayList<>();
    for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
      String type = event.getEventType().getName();
      if (type.equals("profiler.Malloc") || type.equals("profiler.Free")) {
        events.add(event);
      }
    }
    events.sort(Comparator.comparing(RecordedEvent::getStartTime)); // stable: ties keep file order
    Map<List<Frame>, long[]> allocated = new LinkedHashMap<>();
    Map<Long, Block> live = new HashMap<>();
    for (RecordedEvent event : events) {
      long address = event.getLong("address");
      if (event.getEventType().getName().equals("profiler.Free")) {
        live.remove(address);
        continue;
      }
      Block block = new Block(frames(event), event.getLong("size"));
      add(allocated, block);
      live.put(address, block);
    }
    Map<List<Frame>, long[]> outstanding = new LinkedHashMap<>();
    live.values().forEach(block -> add(outstanding, block));
    return new AsyncProfilerNativememJfr(stacks(allocated), stacks(outstanding));
  }

  private static void add(Map<List<Frame>, long[]> perStack, Block block) {
    long[] sums = perStack.computeIfAbsent(block.frames(), f -> new long[2]);
    sums[0]++;
    sums[1] += block.size();
  }

  private static List<Stack> stacks(Map<List<Frame>, long[]> perStack) {
    List<Stack> stacks = new ArrayList<>();
    perStack.forEach((frames, sums) -> stacks.add(new Stack(frames, sums[0], sums[1])));
    stacks.sort(Stack.LARGEST_FIRST);
    return stacks;
  }

  /** The event's stack, innermost first, without the agent's hook. */
  private static List<Frame> frames(RecordedEvent event) {
    List<Frame> frames = new ArrayList<>();
    if (event.getStackTrace() == null) {
      return frames;
    }
    for (RecordedFrame frame : event.getStackTrace().getFrames()) {
      String owner = frame.getMethod().getType().getName();
      String name = frame.getMethod().getName();
      if (JAVA_KINDS.contains(frame.getType())) {
        frames.add(Frame.java(owner + "." + name));
      } else if (!(frames.isEmpty() && owner.equals(AGENT_LIBRARY))) {
        frames.add(new Frame(name, false));
      }
    }
    return frames;
  }
}
