/**
 * The {@code leakdetector} command: parses the original tool's flags (and more) with picocli,
 * builds a {@link io.leakdetector.LeakDetector}, runs the session until the report count is
 * reached, the target exits or Ctrl+C, and maps every failure to one sentence and an exit code.
 *
 * <p>Sources, symbol resolvers and exporters come from other modules at run time, found with {@link
 * java.util.ServiceLoader} through leak-api's helpers ({@code HeapEventSources}, {@code
 * SymbolResolvers}, {@code SnapshotExporters}); the library's log records are shown as the
 * command's own lines through {@code java.util.logging}.
 */
module io.leakdetector.cli {
  requires io.leakdetector.api;
  requires info.picocli;
  requires jdk.unsupported; // sun.misc.Signal: Ctrl+C stops the session instead of the JVM
  requires java.logging; // the backend of System.Logger, whose records LibraryLog prints

  opens io.leakdetector.cli to
      info.picocli;
}
