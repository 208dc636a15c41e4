package io.leakdetector.internal.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Interns the names of allocating threads to ids 1, 2, 3, … (0 stands for no name: stacks not split
 * by thread, or a source that does not know the thread), and remembers which names the thread
 * filter leaves out. Sources intern a name once per thread they see, not per event.
 *
 * <p>Like {@link StackTable}, the names array only grows by copying and an entry never changes once
 * written, so a {@link View} taken under the engine's lock stays valid to read without it.
 *
 * <p>Not thread-safe: the engine guards {@link #intern}.
 */
final class ThreadNameTable {
  /** The names known at one moment. */
  record View(String[] names, boolean[] excluded, int count) {
    /** The name of {@code id}, or null for id 0. */
    String name(int id) {
      return id == 0 ? null : names[id];
    }

    boolean excluded(int id) {
      return excluded[id];
    }
  }

  private final Pattern filter;
  private final Map<String, Integer> ids = new HashMap<>();
  private String[] names = new String[16];
  private boolean[] excluded = new boolean[16];
  private int count = 1;

  /**
   * @param filter names it does not match ({@link java.util.regex.Matcher#find()}) are excluded,
   *     and so is id 0 (no name: the filter cannot say the thread is wanted); null excludes none
   */
  ThreadNameTable(Pattern filter) {
    this.filter = filter;
    excluded[0] = filter != null;
  }

  /** The id of {@code name}, added when new. */
  int intern(String name) {
    Integer known = ids.get(name);
    if (known != null) {
      return known;
    }
    if (count == names.length) {
      names = Arrays.copyOf(names, count * 2);
      excluded = Arrays.copyOf(excluded, count * 2);
    }
    int id = count;
    names[id] = name;
    excluded[id] = filter != null && !filter.matcher(name).find();
    ids.put(name, id);
    count = id + 1;
    return id;
  }

  /** Whether the filter leaves out the allocations of threads of name {@code id}. */
  boolean excluded(int id) {
    return excluded[id];
  }

  View view() {
    return new View(names, excluded, count);
  }
}
