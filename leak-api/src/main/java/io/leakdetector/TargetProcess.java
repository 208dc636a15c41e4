package io.leakdetector;

/**
 * The traced process.
 *
 * @param pid its process id
 * @param name its executable's file name ({@code demo}, {@code Demo.exe}), or {@code ""} when
 *     unknown
 */
public record TargetProcess(long pid, String name) {
  public TargetProcess {
    name = name == null ? "" : name;
  }
}
