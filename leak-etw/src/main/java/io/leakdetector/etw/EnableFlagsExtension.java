package io.leakdetector.etw;

import io.leakdetector.etw.win32.NtWmi;

/**
 * The enable-flags extension block of a heap session (FACTS.md, "Heap session"): a header word
 * (length in words | item count << 16), an ETW_EXT_PIDS item with the traced process ids, and an
 * ETW_EXT_STACKWALK_FILTER item with the hook ids whose events get a stack walk. {@code
 * EnableFlags} then holds {@code 0x80FF0000 | offset of the block}.
 */
final class EnableFlagsExtension {
  /** Stack walks on HeapAlloc and HeapRealloc only, as xperf and PerfView do. */
  static final int[] HEAP_STACK_HOOKS = {
    NtWmi.PERFINFO_LOG_TYPE_HEAP_ALLOC, NtWmi.PERFINFO_LOG_TYPE_HEAP_REALLOC
  };

  private EnableFlagsExtension() {}

  /** The block's words for the given processes and stack-walk hook ids. */
  static int[] words(int[] processIds, int[] stackHooks) {
    if (processIds.length == 0) {
      throw new IllegalArgumentException("no process id");
    }
    if (stackHooks.length > NtWmi.ETW_MAX_STACKWALK_FILTER) {
      throw new IllegalArgumentException("too many stack-walk hook ids: " + stackHooks.length);
    }
    int items = stackHooks.length == 0 ? 1 : 2;
    int length = 1 + 1 + processIds.length + (stackHooks.length == 0 ? 0 : 1 + stackHooks.length);
    int[] words = new int[length];
    int i = 0;
    words[i++] = length | (items << 16);
    words[i++] = (1 + processIds.length) | (NtWmi.ETW_EXT_PIDS << 16);
    for (int pid : processIds) {
      words[i++] = pid;
    }
    if (stackHooks.length > 0) {
      words[i++] = (1 + stackHooks.length) | (NtWmi.ETW_EXT_STACKWALK_FILTER << 16);
      for (int hook : stackHooks) {
        words[i++] = hook;
      }
    }
    return words;
  }

  /** The heap session's block for one process. */
  static int[] heapSession(int processId) {
    return words(new int[] {processId}, HEAP_STACK_HOOKS);
  }

  /** The {@code EnableFlags} value that points at a block {@code offset} bytes into the buffer. */
  static int enableFlags(int offset) {
    if (offset <= 0 || offset > 0xFFFF) {
      throw new IllegalArgumentException("extension offset out of range: " + offset);
    }
    return NtWmi.EVENT_TRACE_FLAG_EXT_ITEMS | offset;
  }
}
