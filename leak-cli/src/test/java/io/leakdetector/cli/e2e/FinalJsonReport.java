package io.leakdetector.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The last document of an NDJSON file the tool wrote with {@code --format json -o FILE}. */
final class FinalJsonReport {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private FinalJsonReport() {}

  /** The file's last report, checked to be the session's final one. */
  static JsonNode read(Path ndjson) throws IOException {
    List<String> documents = Files.readAllLines(ndjson, StandardCharsets.UTF_8);
    assertThat(documents).as("reports in " + ndjson).isNotEmpty();
    JsonNode last = MAPPER.readTree(documents.get(documents.size() - 1));
    assertThat(last.get("final").asBoolean()).as(last.toString()).isTrue();
    return last;
  }
}
