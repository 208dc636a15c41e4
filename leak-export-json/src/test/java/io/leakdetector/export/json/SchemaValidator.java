package io.leakdetector.export.json;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The exporter's JSON Schema, checked by networknt's validator with format assertions on. */
final class SchemaValidator {
  private static final Schema SCHEMA = load();

  private SchemaValidator() {}

  private static Schema load() {
    SchemaRegistry registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder ->
                builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    try (InputStream in = JsonReport.openSchema()) {
      return registry.getSchema(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The validator's messages for {@code document}; empty when it is valid. */
  static List<String> errors(String document) {
    return SCHEMA.validate(document, InputFormat.JSON).stream().map(Object::toString).toList();
  }
}
