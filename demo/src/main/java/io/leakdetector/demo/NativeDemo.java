package io.leakdetector.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * The native demo program, built from {@code demo/src/main/c/demo.c} and packaged in this module's
 * jar as a resource per platform: {@code /io/leakdetector/demo/native/linux-x86_64/demo}, {@code
 * /io/leakdetector/demo/native/windows-x86_64/demo.exe} (and {@code linux-aarch64} when built
 * there).
 */
public final class NativeDemo {
  private static final String RESOURCE_ROOT = "/io/leakdetector/demo/native/";

  private NativeDemo() {}

  /** The resource name of the demo for an operating system and architecture. */
  public static String resourceName(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT).startsWith("windows") ? "windows" : "linux";
    String arch =
        switch (osArch.toLowerCase(Locale.ROOT)) {
          case "amd64", "x86_64" -> "x86_64";
          case "aarch64", "arm64" -> "aarch64";
          default -> osArch;
        };
    return RESOURCE_ROOT + os + "-" + arch + "/" + fileName(osName);
  }

  /** {@code demo.exe} on Windows, else {@code demo}. */
  public static String fileName(String osName) {
    return osName.toLowerCase(Locale.ROOT).startsWith("windows") ? "demo.exe" : "demo";
  }

  /** The resource name of the demo for this machine. */
  public static String resourceName() {
    return resourceName(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
  }

  /** Whether this jar holds a demo program for this machine. */
  public static boolean isPackaged() {
    try (InputStream in = NativeDemo.class.getResourceAsStream(resourceName())) {
      return in != null;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Copies the demo for this machine out of the jar into {@code directory} and makes it executable.
   *
   * @return the program, or empty when this jar holds none for this machine (built without a C
   *     compiler)
   */
  public static Optional<Path> extractTo(Path directory) throws IOException {
    String name = resourceName();
    try (InputStream in = NativeDemo.class.getResourceAsStream(name)) {
      if (in == null) {
        return Optional.empty();
      }
      Files.createDirectories(directory);
      Path program = directory.resolve(fileName(System.getProperty("os.name", "")));
      Files.copy(in, program, StandardCopyOption.REPLACE_EXISTING);
      program.toFile().setExecutable(true, false);
      return Optional.of(program);
    }
  }
}
