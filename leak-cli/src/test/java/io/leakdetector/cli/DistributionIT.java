package io.leakdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.cli.Dist.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distribution folder after {@code mvn package}, run through its real bin/leakdetector. */
class DistributionIT {
  private static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

  @TempDir Path dir;

  @Test
  void layout() throws Exception {
    Path home = Dist.home();
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/leakdetector")))
        .contains(
            PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_EXECUTE);
    assertThat(home.resolve("bin/leakdetector.cmd")).isRegularFile();
    try (var jars = Files.list(home.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.startsWith("leak-cli-"))
          .anyMatch(n -> n.startsWith("leak-api-"))
          .anyMatch(n -> n.startsWith("leak-uprobes-"))
          .anyMatch(n -> n.startsWith("leak-etw-"))
          .anyMatch(n -> n.startsWith("leak-symbols-"))
          .anyMatch(n -> n.startsWith("leak-export-text-"))
          .anyMatch(n -> n.startsWith("leak-export-json-"))
          .anyMatch(n -> n.startsWith("leak-export-otel-"))
          .anyMatch(n -> n.startsWith("picocli-"))
          .anyMatch(n -> n.startsWith("jna-jpms-"))
          .noneMatch(
              n -> n.startsWith("jna-5") || n.startsWith("junit") || n.startsWith("assertj"));
    }
  }

  @Test
  void theDemoProgramsAreBundled() {
    Path demo = Dist.home().resolve("demo");
    Dist.requirePrerequisite(
        Files.isRegularFile(demo.resolve("demo")), "demo/demo (the demo module needs gcc)");
    assertThat(demo.resolve("demo")).isExecutable();
    Dist.requirePrerequisite(
        Files.isRegularFile(demo.resolve("demo.exe")),
        "demo/demo.exe (the demo module needs x86_64-w64-mingw32-gcc)");
  }

  @Test
  void version() throws Exception {
    Run r = Dist.run(dir, Map.of(), "--version");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(CliHarness.run("--version").out());
    assertThat(r.err()).isEmpty();
  }

  @Test
  void theRepositoryRootScriptRunsTheBuiltDistribution() throws Exception {
    Path script = Path.of("..", "leakdetector").toAbsolutePath().normalize();
    assertThat(script).isExecutable();
    Process p =
        new ProcessBuilder(script.toString(), "--version")
            .redirectOutput(dir.resolve("out.txt").toFile())
            .redirectError(dir.resolve("err.txt").toFile())
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Run r = Dist.finished(dir, p);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(CliHarness.run("--version").out());
    assertThat(r.err()).as("nothing to build: the distribution exists").isEmpty();
  }

  @Test
  void versionOnJava25() throws Exception {
    Dist.requirePrerequisite(Files.isExecutable(TEMURIN_25.resolve("bin/java")), "Temurin 25");
    Run r = Dist.run(dir, Map.of("JAVA_HOME", TEMURIN_25.toString()), "--version");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("\nJava 25[.\\d]* ");
    // --enable-native-access=com.sun.jna keeps JDK 24+ quiet about JNA's restricted methods.
    assertThat(r.err()).isEmpty();
  }

  @Test
  void help() throws Exception {
    Run r = Dist.run(dir, Map.of(), "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).isEqualTo(CliHarness.run("--help").out());
    assertThat(r.err()).isEmpty();
  }

  @Test
  void listFindsEveryProviderOnTheModulePath() throws Exception {
    Run r = Dist.run(dir, Map.of(), "--list");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .containsPattern("\n  etw +not available: ")
        .containsPattern("\n  text +")
        .containsPattern("\n  collapsed +")
        .containsPattern("\n  json +")
        .containsPattern("\n  otel +")
        .containsPattern("\n  elf +available");
  }

  @Test
  void usageErrorsAreOneSentenceWithoutAStackTrace() throws Exception {
    for (String args : new String[] {"-p abc", "-x"}) {
      Run r = Dist.run(dir, Map.of(), args.split(" "));
      assertThat(r.exitCode()).as(args).isEqualTo(2);
      assertThat(r.out()).isEmpty();
      assertThat(r.err().lines()).as(args).hasSize(2);
      CliExitTest.assertOneSentence(r.err());
    }
    Run r = Dist.run(dir, Map.of(), "-p", CliExitTest.NO_SUCH_PID);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "leakdetector: No process with pid " + CliExitTest.NO_SUCH_PID + " is running.\n");
  }

  @Test
  void anUnprivilegedUserGetsOneSentenceAndExitTwo(@TempDir Path tmp) throws Exception {
    Path runuser = Path.of("/usr/sbin/runuser");
    Dist.requirePrerequisite(
        "root".equals(System.getProperty("user.name")) && Files.isExecutable(runuser),
        "root and runuser (to run the command as nobody)");
    // A copy that user nobody can read wherever the build tree lives.
    Path copy = tmp.resolve("leakdetector");
    copyTree(Dist.home(), copy);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder nobody =
        new ProcessBuilder(
                runuser.toString(),
                "-u",
                "nobody",
                "--",
                copy.resolve("bin/leakdetector").toString(),
                "-p",
                Long.toString(ProcessHandle.current().pid()))
            .redirectOutput(dir.resolve("out.txt").toFile())
            .redirectError(dir.resolve("err.txt").toFile());
    // no /tmp/hsperfdata_nobody folder left behind
    nobody.environment().put("LEAKDETECTOR_JAVA_OPTS", "-XX:-UsePerfData");
    Process p = nobody.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Run r = Dist.finished(dir, p);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines()).hasSize(1);
    CliExitTest.assertOneSentence(r.err());
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path source : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(
            target,
            PosixFilePermissions.fromString(
                Files.isDirectory(source) || Files.isExecutable(source)
                    ? "rwxr-xr-x"
                    : "rw-r--r--"));
      }
    }
  }

  @Test
  void anUnwritableOutputFile() throws Exception {
    Run r =
        Dist.run(
            dir,
            Map.of(),
            "-p",
            Long.toString(ProcessHandle.current().pid()),
            "--output",
            "/nonexistent-dir/x");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "leakdetector: Cannot write the output file /nonexistent-dir/x (No such file or"
                + " directory).\n");
  }
}
