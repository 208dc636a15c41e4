package io.leakdetector.uprobes.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Starts {@link ChildTracer} in a new JVM on the class path (the provider is found through {@code
 * META-INF/services}). The class path is copied into a world-readable folder so the child can run
 * as another user.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** The test JVM's module and class path, copied under {@code dir}. */
  public static String classPath(Path dir) throws IOException {
    Set<String> entries = new LinkedHashSet<>();
    for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
      String value = System.getProperty(property, "");
      for (String e : value.split(File.pathSeparator)) {
        if (!e.isBlank()) {
          entries.add(e);
        }
      }
    }
    entries.add(location(ChildTracer.class));
    Path root = Files.createDirectories(dir.resolve("cp"));
    openUp(dir);
    openUp(root);
    List<String> copied = new ArrayList<>();
    int i = 0;
    for (String e : entries) {
      Path source = Path.of(e);
      if (!Files.exists(source)) {
        continue;
      }
      Path target = root.resolve((i++) + "-" + source.getFileName());
      copy(source, target);
      copied.add(target.toString());
    }
    return String.join(File.pathSeparator, copied);
  }

  private static String location(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void copy(Path source, Path target) throws IOException {
    if (Files.isDirectory(source)) {
      try (Stream<Path> walk = Files.walk(source)) {
        walk.forEach(
            p -> {
              Path t = target.resolve(source.relativize(p).toString());
              try {
                if (Files.isDirectory(p)) {
                  Files.createDirectories(t);
                  openUp(t);
                } else {
                  Files.copy(p, t);
                  Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
                }
              } catch (IOException ex) {
                throw new UncheckedIOException(ex);
              }
            });
      }
    } else {
      Files.copy(source, target);
      Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  private static void openUp(Path dir) throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** The command that runs {@link ChildTracer} with {@code args}, optionally as another user. */
  public static List<String> command(String classPath, List<String> asUser, String... args) {
    return command(classPath, asUser, ChildTracer.class, args);
  }

  /** The command that runs {@code main} (a test class) with {@code args}. */
  public static List<String> command(
      String classPath, List<String> asUser, Class<?> main, String... args) {
    List<String> command = new ArrayList<>(asUser);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:off");
    // no /tmp/hsperfdata_<user> folder left behind by a child run as another user
    command.add("-XX:-UsePerfData");
    command.add("-cp");
    command.add(classPath);
    command.add(main.getName());
    command.addAll(List.of(args));
    return command;
  }
}
