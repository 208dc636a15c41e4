/**
 * LeakDetector's public API ({@code io.leakdetector}), its service provider interface ({@code
 * io.leakdetector.spi}) and the aggregation engine, which is not exported.
 *
 * <p>Sources, symbol resolvers and exporters are found with {@link java.util.ServiceLoader}.
 */
module io.leakdetector.api {
  exports io.leakdetector;
  exports io.leakdetector.spi;

  uses io.leakdetector.spi.HeapEventSourceProvider;
  uses io.leakdetector.spi.SymbolResolverProvider;
  uses io.leakdetector.spi.SnapshotExporterProvider;
}
