package io.leakdetector.export.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.EventCounts;
import io.leakdetector.Frame;
import io.leakdetector.HeapTotals;
import io.leakdetector.StackReport;
import io.leakdetector.TargetProcess;
import io.leakdetector.export.otel.testkit.KnownSnapshots;
import io.leakdetector.testkit.Snapshots;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OtelSnapshotExporterTest {
  private static final TargetProcess TARGET = new TargetProcess(4242, "demo");
  private static final Resource HOST_RESOURCE =
      Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "host-program"));

  private InMemoryMetricReader reader;
  private OpenTelemetrySdk hostSdk;
  private OtelSnapshotExporter exporter;

  @BeforeEach
  void setUp() {
    reader = InMemoryMetricReader.create();
    hostSdk =
        OpenTelemetrySdk.builder()
            .setMeterProvider(
                SdkMeterProvider.builder()
                    .setResource(HOST_RESOURCE)
                    .registerMetricReader(reader)
                    .build())
            .build();
    exporter = OtelSnapshotExporter.create(hostSdk);
  }

  @AfterEach
  void tearDown() {
    exporter.close();
    hostSdk.close();
  }

  @Test
  void reportsNothingBeforeTheFirstSnapshot() {
    assertThat(collect()).isEmpty();
  }

  @Test
  void totalsAreCumulativeMonotonicCountersWithUnits() {
    exporter.export(KnownSnapshots.first(TARGET));
    Map<String, MetricData> metrics = collect();

    assertCounter(metrics, LeakMetrics.ALLOCATIONS, "{allocation}", 120);
    assertCounter(metrics, LeakMetrics.FREES, "{free}", 20);
    assertCounter(metrics, LeakMetrics.ALLOCATED_BYTES, "By", 50_000);
    assertCounter(metrics, LeakMetrics.FREED_BYTES, "By", 8_000);
    assertCounter(metrics, LeakMetrics.LOST_EVENTS, "{event}", 3);
    assertCounter(metrics, LeakMetrics.UNMATCHED_FREES, "{free}", 4);
    assertCounter(metrics, LeakMetrics.DROPPED_ALLOCATIONS, "{allocation}", 0);
  }

  @Test
  void currentValuesAreGauges() {
    exporter.export(KnownSnapshots.first(TARGET));
    Map<String, MetricData> metrics = collect();

    assertGauge(metrics, LeakMetrics.OUTSTANDING_BYTES, "By", 42_000);
    assertGauge(metrics, LeakMetrics.OUTSTANDING_ALLOCATIONS, "{allocation}", 100);
    assertGauge(metrics, LeakMetrics.STACKS, "{stack}", 2);
  }

  @Test
  void eachReportedStackIsOneSeriesNamedByIdAndTopFrame() {
    exporter.export(KnownSnapshots.first(TARGET));
    Map<String, MetricData> metrics = collect();

    MetricData bytes = metrics.get(LeakMetrics.STACK_OUTSTANDING_BYTES);
    assertThat(bytes.getType()).isEqualTo(MetricDataType.LONG_GAUGE);
    assertThat(bytes.getUnit()).isEqualTo("By");
    assertThat(pointsByStack(bytes))
        .containsExactlyInAnyOrderEntriesOf(Map.of(7L, 40960L, 9L, 300L));
    assertThat(topFrames(bytes))
        .containsExactlyInAnyOrderEntriesOf(Map.of(7L, "demo!leak_a+0x1A", 9L, "demo!leak_b+0x22"));

    MetricData count = metrics.get(LeakMetrics.STACK_OUTSTANDING_ALLOCATIONS);
    assertThat(count.getType()).isEqualTo(MetricDataType.LONG_GAUGE);
    assertThat(count.getUnit()).isEqualTo("{allocation}");
    assertThat(pointsByStack(count)).containsExactlyInAnyOrderEntriesOf(Map.of(7L, 10L, 9L, 3L));
  }

  @Test
  void aJavaStackIsAlsoNamedByItsJavaMethodAndANativeOneIsNot() {
    StackReport java =
        Snapshots.stack(21)
            .counts(4, 0, 4 * 5000, 0)
            .frames(
                new Frame(0x7f0000011000L, "libc.so.6", "malloc", 0x2A, false),
                new Frame(0x7f0000020000L, "libz.so.1", "deflateInit2_", 0x189, false),
                new Frame(
                    0x7f1000000100L, Frame.JIT_MODULE, "java.util.zip.Deflater.init", 0, false),
                new Frame(0x7f1000000200L, Frame.JIT_MODULE, "Leaky.leakDeflaters", 0x44, false))
            .build();
    exporter.export(
        KnownSnapshots.snapshot(
            1,
            TARGET,
            KnownSnapshots.TOTALS,
            KnownSnapshots.COUNTS,
            List.of(java, KnownSnapshots.STACK_A)));

    Map<Long, String> methods =
        collect().get(LeakMetrics.STACK_OUTSTANDING_BYTES).getLongGaugeData().getPoints().stream()
            .collect(
                Collectors.toMap(
                    point -> point.getAttributes().get(LeakMetrics.STACK_ID),
                    point ->
                        String.valueOf(point.getAttributes().get(LeakMetrics.STACK_JAVA_METHOD))));
    assertThat(methods)
        .containsExactlyInAnyOrderEntriesOf(Map.of(21L, "Leaky.leakDeflaters", 7L, "null"));
  }

  @Test
  void usesTheHostsResourceAndItsOwnScope() {
    exporter.export(KnownSnapshots.first(TARGET));

    for (MetricData metric : collect().values()) {
      assertThat(metric.getResource()).isEqualTo(HOST_RESOURCE);
      assertThat(metric.getInstrumentationScopeInfo().getName()).isEqualTo("io.leakdetector");
      assertThat(metric.getDescription()).isNotBlank();
    }
  }

  @Test
  void stacksThatLeaveTheTopNStopBeingReported() {
    exporter.export(KnownSnapshots.first(TARGET));
    exporter.export(
        KnownSnapshots.snapshot(
            2,
            TARGET,
            new HeapTotals(130, 25, 60_000, 9_000, 105, 51_000, 3),
            new EventCounts(5, 2, 4, 0, 0),
            List.of(KnownSnapshots.STACK_C, KnownSnapshots.STACK_A)));
    Map<String, MetricData> metrics = collect();

    assertThat(pointsByStack(metrics.get(LeakMetrics.STACK_OUTSTANDING_BYTES)))
        .containsExactlyInAnyOrderEntriesOf(Map.of(11L, 5000L, 7L, 40960L));
    assertCounter(metrics, LeakMetrics.ALLOCATIONS, "{allocation}", 130);
    assertCounter(metrics, LeakMetrics.LOST_EVENTS, "{event}", 5);
    assertGauge(metrics, LeakMetrics.OUTSTANDING_BYTES, "By", 51_000);
  }

  @Test
  void commonAttributesGoOnEveryMeasurement() {
    exporter.close();
    AttributeKey<Long> session = AttributeKey.longKey("session");
    exporter =
        OtelSnapshotExporter.create(hostSdk.getMeter("embedding-test"), Attributes.of(session, 3L));
    exporter.export(KnownSnapshots.first(TARGET));

    Map<String, MetricData> metrics = collect();
    assertThat(metrics).hasSize(12);
    for (MetricData metric : metrics.values()) {
      for (LongPointData point : metric.getLongGaugeData().getPoints()) {
        assertThat(point.getAttributes().get(session)).isEqualTo(3L);
      }
      for (LongPointData point : metric.getLongSumData().getPoints()) {
        assertThat(point.getAttributes().get(session)).isEqualTo(3L);
      }
    }
  }

  @Test
  void closeUnregistersTheCallback() {
    exporter.export(KnownSnapshots.first(TARGET));
    assertThat(collect()).isNotEmpty();

    exporter.close();

    assertThat(collect()).isEmpty();
  }

  private Map<String, MetricData> collect() {
    Collection<MetricData> all = reader.collectAllMetrics();
    return all.stream()
        .filter(metric -> !metric.isEmpty())
        .collect(Collectors.toMap(MetricData::getName, metric -> metric));
  }

  private static void assertCounter(
      Map<String, MetricData> metrics, String name, String unit, long value) {
    MetricData metric = metrics.get(name);
    assertThat(metric).as(name).isNotNull();
    assertThat(metric.getType()).as(name).isEqualTo(MetricDataType.LONG_SUM);
    assertThat(metric.getUnit()).as(name).isEqualTo(unit);
    assertThat(metric.getLongSumData().isMonotonic()).as(name).isTrue();
    assertThat(metric.getLongSumData().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.CUMULATIVE);
    assertThat(metric.getLongSumData().getPoints())
        .as(name)
        .singleElement()
        .satisfies(
            point -> {
              assertThat(point.getValue()).isEqualTo(value);
              assertThat(point.getAttributes().isEmpty()).isTrue();
            });
  }

  private static void assertGauge(
      Map<String, MetricData> metrics, String name, String unit, long value) {
    MetricData metric = metrics.get(name);
    assertThat(metric).as(name).isNotNull();
    assertThat(metric.getType()).as(name).isEqualTo(MetricDataType.LONG_GAUGE);
    assertThat(metric.getUnit()).as(name).isEqualTo(unit);
    assertThat(metric.getLongGaugeData().getPoints())
        .as(name)
        .singleElement()
        .satisfies(point -> assertThat(point.getValue()).isEqualTo(value));
  }

  @Test
  void stacksSplitByThreadCarryTheThreadName() {
    exporter.export(io.leakdetector.testkit.Snapshots.byThread());
    MetricData bytes = collect().get(LeakMetrics.STACK_OUTSTANDING_BYTES);
    assertThat(
            bytes.getLongGaugeData().getPoints().stream()
                .collect(
                    Collectors.toMap(
                        point -> point.getAttributes().get(LeakMetrics.THREAD_NAME),
                        LongPointData::getValue)))
        .containsExactlyInAnyOrderEntriesOf(Map.of("worker-a", 3072L, "GC Thread;#0", 200L));
  }

  @Test
  void stacksNotSplitByThreadHaveNoThreadName() {
    exporter.export(KnownSnapshots.first(TARGET));
    assertThat(collect().get(LeakMetrics.STACK_OUTSTANDING_BYTES).getLongGaugeData().getPoints())
        .isNotEmpty()
        .allSatisfy(
            point -> assertThat(point.getAttributes().get(LeakMetrics.THREAD_NAME)).isNull());
  }

  /** Stack id to value of a per-stack gauge. */
  static Map<Long, Long> pointsByStack(MetricData metric) {
    return metric.getLongGaugeData().getPoints().stream()
        .collect(
            Collectors.toMap(
                point -> point.getAttributes().get(LeakMetrics.STACK_ID), LongPointData::getValue));
  }

  private static Map<Long, String> topFrames(MetricData metric) {
    return metric.getLongGaugeData().getPoints().stream()
        .collect(
            Collectors.toMap(
                point -> point.getAttributes().get(LeakMetrics.STACK_ID),
                point -> point.getAttributes().get(LeakMetrics.STACK_TOP_FRAME)));
  }
}
