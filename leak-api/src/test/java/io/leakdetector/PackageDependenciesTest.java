package io.leakdetector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of leak-api as the compiled classes show them (jdeps): the SPI builds on the API's
 * values, never the other way round, and the session's internals do not know the public builder.
 */
class PackageDependenciesTest {
  private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+.*$");

  record Edge(String from, String to) {
    String fromPackage() {
      return from.substring(0, from.lastIndexOf('.'));
    }

    String toPackage() {
      return to.substring(0, to.lastIndexOf('.'));
    }
  }

  private static List<Edge> edges;

  @BeforeAll
  static void readClassDependencies() throws Exception {
    Path classes =
        Path.of(LeakDetector.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    int status =
        jdeps.run(new PrintWriter(out), new PrintWriter(out), "-verbose:class", classes.toString());
    assertThat(status).as(out.toString()).isZero();
    edges =
        out.toString()
            .lines()
            .map(EDGE::matcher)
            .filter(Matcher::matches)
            .map(m -> new Edge(m.group(1), m.group(2)))
            .filter(e -> e.to().startsWith("io.leakdetector."))
            .toList();
    assertThat(edges).as("jdeps found the classes' dependencies").isNotEmpty();
  }

  @Test
  void theApiPackageDoesNotUseTheSpi() {
    assertThat(edges)
        .filteredOn(e -> e.fromPackage().equals("io.leakdetector"))
        .filteredOn(e -> e.toPackage().equals("io.leakdetector.spi"))
        .isEmpty();
  }

  @Test
  void theSpiDoesNotUseTheInternals() {
    assertThat(edges)
        .filteredOn(e -> e.fromPackage().equals("io.leakdetector.spi"))
        .filteredOn(e -> e.toPackage().startsWith("io.leakdetector.internal"))
        .isEmpty();
  }

  @Test
  void theSessionDoesNotKnowTheBuilderThatOpensIt() {
    assertThat(edges)
        .contains(
            new Edge(
                "io.leakdetector.LeakDetector",
                "io.leakdetector.internal.session.DefaultLeakSession"));
    assertThat(edges)
        .filteredOn(e -> e.fromPackage().startsWith("io.leakdetector.internal"))
        .filteredOn(
            e ->
                e.to().startsWith("io.leakdetector.LeakDetector$")
                    || e.to().equals("io.leakdetector.LeakDetector"))
        .isEmpty();
  }
}
