package io.leakdetector.etw.decode;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns the NT paths of kernel image events ({@code \Device\HarddiskVolume3\Windows\...}) into the
 * drive-letter paths dbghelp opens ({@code C:\Windows\...}), from each drive's device as
 * QueryDosDeviceW names it, as TraceEvent's KernelToUser does.
 */
public final class DevicePaths {
  private final Map<String, String> deviceToDrive = new LinkedHashMap<>();
  private final String systemRoot;

  /**
   * @param deviceOfDrive {@code "C:"} → its device ({@code \Device\HarddiskVolume3}), or null
   * @param systemRoot {@code %SystemRoot%}, for paths under {@code \SystemRoot\}
   */
  public DevicePaths(Function<String, String> deviceOfDrive, String systemRoot) {
    for (char letter = 'A'; letter <= 'Z'; letter++) {
      String drive = letter + ":";
      String device = deviceOfDrive.apply(drive);
      if (device != null && !device.isEmpty()) {
        deviceToDrive.put(device.toLowerCase(Locale.ROOT), drive);
      }
    }
    this.systemRoot = systemRoot;
  }

  /** The drive-letter path of {@code ntPath}, or {@code ntPath} when no drive maps it. */
  public String toDosPath(String ntPath) {
    if (ntPath.startsWith("\\??\\")) {
      return ntPath.substring(4);
    }
    String lower = ntPath.toLowerCase(Locale.ROOT);
    if (lower.startsWith("\\systemroot\\")) {
      return systemRoot + ntPath.substring("\\SystemRoot".length());
    }
    for (Map.Entry<String, String> device : deviceToDrive.entrySet()) {
      String prefix = device.getKey();
      if (lower.startsWith(prefix)
          && lower.length() > prefix.length()
          && lower.charAt(prefix.length()) == '\\') {
        return device.getValue() + ntPath.substring(prefix.length());
      }
    }
    return ntPath;
  }
}
