package io.leakdetector.etw.win32;

import com.sun.jna.Structure.FieldOrder;

/** {@code TIME_ZONE_INFORMATION} (timezoneapi.h); the WCHAR[32] names as 64 bytes each. */
@FieldOrder({
  "Bias",
  "StandardName",
  "StandardDate",
  "StandardBias",
  "DaylightName",
  "DaylightDate",
  "DaylightBias"
})
public class TimeZoneInformation extends WinStructure {
  public int Bias;
  public byte[] StandardName = new byte[64];
  public SystemTime StandardDate = new SystemTime();
  public int StandardBias;
  public byte[] DaylightName = new byte[64];
  public SystemTime DaylightDate = new SystemTime();
  public int DaylightBias;
}
