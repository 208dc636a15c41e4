package io.leakdetector.etw;

import io.leakdetector.etw.decode.DevicePaths;
import io.leakdetector.etw.win32.Kernel32Ex;

/** Reads each drive's NT device name with QueryDosDeviceW, for {@link DevicePaths}. */
final class DeviceNames {
  private DeviceNames() {}

  static DevicePaths read(Kernel32Ex kernel32, String systemRoot) {
    char[] target = new char[1024];
    return new DevicePaths(
        drive -> {
          int chars = kernel32.QueryDosDevice(drive, target, target.length);
          if (chars <= 0) {
            return null;
          }
          int end = 0;
          while (end < chars && target[end] != 0) {
            end++;
          }
          return new String(target, 0, end); // the first of the NUL-separated names
        },
        systemRoot);
  }
}
