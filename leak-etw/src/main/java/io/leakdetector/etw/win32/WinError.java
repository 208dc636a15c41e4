package io.leakdetector.etw.win32;

/** The Win32 error codes the ETW source tells apart (winerror.h). */
public final class WinError {
  private WinError() {}

  public static final int ERROR_SUCCESS = 0;
  public static final int ERROR_ACCESS_DENIED = 5;
  public static final int ERROR_BAD_LENGTH = 24;
  public static final int ERROR_NOT_SUPPORTED = 50;
  public static final int ERROR_INVALID_PARAMETER = 87;
  public static final int ERROR_ALREADY_EXISTS = 183;
  public static final int ERROR_MORE_DATA = 234;
  public static final int ERROR_NOACCESS = 998;
  public static final int ERROR_CANCELLED = 1223;
  public static final int ERROR_NO_SYSTEM_RESOURCES = 1450;
  public static final int ERROR_WMI_INSTANCE_NOT_FOUND = 4201;
  public static final int ERROR_CTX_CLOSE_PENDING = 7007;
}
