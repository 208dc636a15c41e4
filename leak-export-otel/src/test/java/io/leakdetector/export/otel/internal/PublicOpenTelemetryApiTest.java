package io.leakdetector.export.otel.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ResolvedModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module's main code uses OpenTelemetry's public API only: no class file refers to a class,
 * method, field or logger name in an OpenTelemetry {@code internal} package (read from every class
 * file's constant pool: class names, descriptors and string constants), and the module requires no
 * {@code *.internal} module.
 */
class PublicOpenTelemetryApiTest {
  private static final String MODULE = "io.leakdetector.export.otel";

  /** An OpenTelemetry package with an {@code internal} segment, in either spelling. */
  private static final Pattern INTERNAL =
      Pattern.compile("io[./]opentelemetry[./](?:[\\w$]+[./])*internal(?:[./;]|$)");

  @Test
  void noMainClassRefersToAnInternalOpenTelemetryPackage() throws IOException {
    Map<String, List<String>> found = new TreeMap<>();
    // The module's own location (target/classes, or its jar), not the test classes patched in.
    ResolvedModule module = ModuleLayer.boot().configuration().findModule(MODULE).orElseThrow();
    Path location = Path.of(module.reference().location().orElseThrow());
    assertThat(location).isDirectory().endsWith(Path.of("target", "classes"));
    List<Path> classes;
    try (Stream<Path> files = Files.walk(location)) {
      classes = files.filter(f -> f.toString().endsWith(".class")).toList();
    }
    for (Path classFile : classes) {
      List<String> internal = internalReferences(Files.readAllBytes(classFile));
      if (!internal.isEmpty()) {
        found.put(location.relativize(classFile).toString(), internal);
      }
    }
    assertThat(classes)
        .extracting(f -> f.getFileName().toString())
        .contains("OtelSdk.class", "ExportStatusReader.class", "module-info.class")
        .doesNotContain("PublicOpenTelemetryApiTest.class");
    assertThat(found).isEmpty();
  }

  @Test
  void theScanFindsAnInternalReferenceWhereThereIsOne() throws IOException {
    // OpenTelemetry's own exporter delegates to
    // io.opentelemetry.exporter.otlp.internal.HttpExporter.
    try (InputStream in =
        OtlpHttpMetricExporter.class.getResourceAsStream("OtlpHttpMetricExporter.class")) {
      assertThat(internalReferences(in.readAllBytes()))
          .anySatisfy(
              ref ->
                  assertThat(ref).contains("io/opentelemetry/exporter/otlp/internal/HttpExporter"));
    }
  }

  @Test
  void noInternalOpenTelemetryModuleIsRequired() {
    ModuleDescriptor descriptor =
        ModuleLayer.boot().findModule(MODULE).orElseThrow().getDescriptor();
    assertThat(descriptor.requires())
        .extracting(ModuleDescriptor.Requires::name)
        .contains("io.opentelemetry.exporter.otlp", "io.opentelemetry.sdk.metrics")
        .noneMatch(name -> INTERNAL.matcher(name + ".").find());
  }

  /** The constant pool's strings that name something in an OpenTelemetry internal package. */
  static List<String> internalReferences(byte[] classFile) throws IOException {
    List<String> internal = new ArrayList<>();
    for (String utf8 : constantPoolStrings(classFile)) {
      if (INTERNAL.matcher(utf8).find()) {
        internal.add(utf8);
      }
    }
    return internal;
  }

  /** Every CONSTANT_Utf8 of a class file (JVMS §4.4). */
  private static List<String> constantPoolStrings(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    List<String> strings = new ArrayList<>();
    for (int index = 1; index < count; index++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> strings.add(in.readUTF());
        case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
        case 15 -> in.skipNBytes(3);
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
        case 5, 6 -> {
          in.skipNBytes(8);
          index++; // takes two entries
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    return strings;
  }
}
