/**
 * End-to-end tests of the real command line tracing real processes: the built distribution's {@code
 * bin/leakdetector} run as a child process (maven-failsafe, after {@code package}), the uprobes
 * source, the bundled native demo, and real backends.
 *
 * <ul>
 *   <li>{@code PeriodicReportsIT}: {@code -p PID -i 1 -c 3} against a running demo that did exactly
 *       2 rounds ({@code --wait-for-signal --hold}): 3 reports, each with the exact per-pattern
 *       counts and totals line; exit 0; the demo then runs a 3rd round and exits 0.
 *   <li>{@code TargetExitIT}: the target exits mid-session, in launch mode ({@code -- demo --rounds
 *       2 --delay-ms 0}) and with {@code -p} after periodic reports: the final report ({@code final
 *       report: target exited}) names the functions and has 2 rounds exactly.
 *   <li>{@code DemoCommandIT}: {@code leakdetector demo -c 2 -i 1} in an empty folder.
 *   <li>{@code JsonReportIT}: {@code --format json -o FILE --exporter text}: every document
 *       validates against {@code JsonReport.openSchema()} and equals the text report of the same
 *       snapshot; with the held demo, the JSON-only totals are exact too.
 *   <li>{@code OtlpBackendIT}: {@code --otel-endpoint} to VictoriaMetrics ({@code bash
 *       .ci/victoria-metrics.sh start}, {@code LEAKDETECTOR_OTLP_BACKEND}), values queried back.
 *   <li>{@code PrometheusEndpointIT}: {@code --prometheus-port}, scraped while tracing, then
 *       Ctrl+C's signal: exit 0.
 * </ul>
 *
 * <p>A missing prerequisite (root or CAP_PERFMON, gcc for the demo, the backend) skips outside CI
 * and fails with {@code CI=true}. The demo's state at each report is made exact by starting its
 * rounds only once the tool says it is tracing, and by {@code --hold}. Run only these: {@code mvn
 * -B -pl leak-cli -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * '-Dit.test=io/leakdetector/cli/e2e/*IT'}.
 */
package io.leakdetector.cli.e2e;
