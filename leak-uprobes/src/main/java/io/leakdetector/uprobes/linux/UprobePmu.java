package io.leakdetector.uprobes.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's uprobe PMU ({@code /sys/bus/event_source/devices/uprobe}): its perf type and the
 * config bit that makes a probe a return probe, both read from sysfs.
 *
 * @param type the value for {@code perf_event_attr.type}
 * @param retprobeBit the bit of {@code config} that asks for a return probe
 */
public record UprobePmu(int type, int retprobeBit) {
  public static final Path DEVICE = Path.of("/sys/bus/event_source/devices/uprobe");
  private static final Pattern CONFIG_BIT = Pattern.compile("config:(\\d+)");

  /**
   * Reads the PMU from sysfs.
   *
   * @throws IOException when the kernel has no uprobe PMU or its files are unreadable
   */
  public static UprobePmu read() throws IOException {
    return read(DEVICE);
  }

  static UprobePmu read(Path device) throws IOException {
    int type = Integer.parseInt(Files.readString(device.resolve("type")).trim());
    String format = Files.readString(device.resolve("format/retprobe")).trim();
    Matcher m = CONFIG_BIT.matcher(format);
    if (!m.matches()) {
      throw new IOException("unexpected uprobe retprobe format: " + format);
    }
    return new UprobePmu(type, Integer.parseInt(m.group(1)));
  }

  /** The {@code config} of an entry or a return probe. */
  public long config(boolean returnProbe) {
    return returnProbe ? 1L << retprobeBit : 0;
  }
}
