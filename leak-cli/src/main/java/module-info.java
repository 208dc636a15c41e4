/**
 * The {@code leakdetector} command: parses the original tool's flags (and more) with picocli,
 * builds a {@link io.leakdetector.LeakDetector}, runs the session until the report count is
 * reached, the target exits or Ctrl+C, and maps every failure to one sentence and an exit code.
 *
 * <p>Sources, symbol resolvers and exporters come from other modules at run time, found with {@link
 * java.util.ServiceLoader}; this module looks source and resolver providers up itself only to
 * resolve {@code -P NAME} and to list them ({@code --list}).
 */
module io.leakdetector.cli {
  requires io.leakdetector.api;
  requires info.picocli;
  requires jdk.unsupported; // sun.misc.Signal: Ctrl+C stops the session instead of the JVM

  opens io.leakdetector.cli to
      info.picocli;

  uses io.leakdetector.spi.HeapEventSourceProvider;
  uses io.leakdetector.spi.SymbolResolverProvider;
}
