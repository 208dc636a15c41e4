package io.leakdetector.etw.decode;

/**
 * Offsets in the kernel's Image_Load (version 2 and later) and Process (version 2 and later)
 * payloads, sized by the logger's pointer size {@code p}; FACTS.md, "Module events" (MOF classes
 * Image_Load and Process_V2_TypeGroup1 in microsoft/perfview kerneltraceeventparser.mof, the
 * Image_Load class page of the Windows docs). Checked against packed structures compiled by x86_64-
 * and i686-w64-mingw32-gcc.
 */
public final class ImagePayload {
  private ImagePayload() {}

  /** Image_Load: ImageBase. */
  public static final int IMAGE_BASE = 0;

  /** The most payload read: the fixed part and a 260-character file name. */
  static final int MAX_LENGTH = 64 + 2 * 520;

  public static int imageSize(int p) {
    return p;
  }

  public static int imageProcessId(int p) {
    return 2 * p;
  }

  public static int imageCheckSum(int p) {
    return 2 * p + 4;
  }

  public static int imageTimeDateStamp(int p) {
    return 2 * p + 8;
  }

  public static int defaultBase(int p) {
    return 2 * p + 16;
  }

  public static int fileName(int p) {
    return 3 * p + 32;
  }

  /** The fixed part and at least an empty file name. */
  public static int imageLength(int p) {
    return fileName(p) + 2;
  }

  /** Process: UniqueProcessKey, then ProcessId and ParentId. */
  public static int processId(int p) {
    return p;
  }

  public static int parentId(int p) {
    return p + 4;
  }

  public static int processLength(int p) {
    return p + 8;
  }
}
