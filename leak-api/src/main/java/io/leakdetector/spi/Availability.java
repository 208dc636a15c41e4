package io.leakdetector.spi;

/**
 * Whether a provider can work on this machine now, and if not, one sentence saying why.
 *
 * @param available whether it can
 * @param reason why it cannot; when it can, {@code ""} or a short note on how it will work (e.g.
 *     which of its designs, and why), which {@code --list} shows
 */
public record Availability(boolean available, String reason) {
  public static final Availability AVAILABLE = new Availability(true, "");

  public Availability {
    reason = reason == null ? "" : reason;
  }

  public static Availability unavailable(String reason) {
    return new Availability(false, reason);
  }
}
