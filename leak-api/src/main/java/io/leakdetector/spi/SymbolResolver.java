package io.leakdetector.spi;

import io.leakdetector.Frame;
import java.util.List;

/**
 * Turns addresses of one process into frames. It keeps the process's module list, so that it still
 * resolves after the process exits. Only the session's snapshot thread calls it, except {@link
 * #onModuleMapped}.
 */
public interface SymbolResolver extends AutoCloseable {

  /**
   * A module the source saw mapped into the process. The session passes on what the source reports
   * through {@link StreamListener#onModuleMapped}, on the source's threads (see there) and while
   * the snapshot thread may be resolving, so this must not block for long.
   */
  void onModuleMapped(ModuleMapping mapping);

  /** The frame at {@code address}; never {@code null}. */
  Frame resolve(long address);

  /**
   * The frames at {@code address}, innermost first: the functions inlined at that point (each
   * {@link Frame#inlined()}), then the function that holds the code, the same frame {@link
   * #resolve} gives. A resolver without inline information gives that frame alone.
   */
  default List<Frame> resolveWithInlines(long address) {
    return List.of(resolve(address));
  }

  /** Re-reads the module list while the process lives; called once per interval. */
  default void refresh() {}

  @Override
  void close();
}
