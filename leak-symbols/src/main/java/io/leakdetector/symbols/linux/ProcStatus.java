package io.leakdetector.symbols.linux;

import java.io.IOException;
import java.nio.file.Files;

/** Fields of {@code /proc/PID/status}. */
final class ProcStatus {
  private ProcStatus() {}

  /**
   * The process's pid in its own (innermost) pid namespace: the last number of {@code NSpid}; the
   * pid itself when the line is missing or unreadable.
   */
  static long namespacePid(long pid) {
    String[] fields = field(pid, "NSpid");
    return fields.length == 0 ? pid : Long.parseLong(fields[fields.length - 1]);
  }

  /** The effective user id (second number of {@code Uid}), or −1. */
  static long effectiveUid(long pid) {
    String[] fields = field(pid, "Uid");
    return fields.length > 1 ? Long.parseLong(fields[1]) : -1;
  }

  /** The effective group id (second number of {@code Gid}), or −1. */
  static long effectiveGid(long pid) {
    String[] fields = field(pid, "Gid");
    return fields.length > 1 ? Long.parseLong(fields[1]) : -1;
  }

  /** Whether the process catches signal {@code signal} ({@code SigCgt}). */
  static boolean catches(long pid, int signal) {
    String[] fields = field(pid, "SigCgt");
    return fields.length == 1
        && (Long.parseUnsignedLong(fields[0], 16) & (1L << (signal - 1))) != 0;
  }

  private static String[] field(long pid, String name) {
    try {
      for (String line : Files.readAllLines(TargetState.procDir(pid).resolve("status"))) {
        if (line.startsWith(name + ":")) {
          String value = line.substring(name.length() + 1).strip();
          return value.isEmpty() ? new String[0] : value.split("\\s+");
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone or unreadable
    }
    return new String[0];
  }
}
