package io.leakdetector.spi;

import java.io.PrintStream;
import java.util.Map;

/**
 * What an exporter is created with.
 *
 * @param out where a stream exporter writes (standard output, or the {@code --output} file)
 * @param options exporter settings by name (for example {@code clear=true}, {@code
 *     otel.endpoint=http://…})
 */
public record ExporterContext(PrintStream out, Map<String, String> options) {
  public ExporterContext {
    options = Map.copyOf(options);
  }

  /** The option's value, or {@code defaultValue} when it is not set. */
  public String option(String name, String defaultValue) {
    return options.getOrDefault(name, defaultValue);
  }
}
