package io.leakdetector.etw.decode;

import com.sun.jna.Pointer;
import io.leakdetector.spi.ModuleMapping;

/**
 * Decodes the image session's kernel events (FACTS.md, "Module events"): each image the traced
 * processes load (Load, and the DCStart rundown of images already loaded) becomes a module mapping
 * for the symbol resolver, its NT path turned into a drive-letter path; process starts and ends
 * feed {@link TracedProcesses}. Unloads are counted only: the module map keeps every module, so
 * that stacks recorded while it was loaded still resolve. Only the image consumer's thread calls
 * it.
 */
public final class ImageEventDecoder implements RecordConsumer {
  static final int OPCODE_PROCESS_START = 1;
  static final int OPCODE_PROCESS_END = 2;
  static final int OPCODE_IMAGE_UNLOAD = 2;
  static final int OPCODE_DC_START = 3;
  static final int OPCODE_IMAGE_LOAD = 10;

  /** Image_Load from version 2 on has the layout below (Windows Vista and later). */
  static final int MIN_VERSION = 2;

  private final TracedProcesses processes;
  private final DevicePaths paths;
  private final CallbackFailures failures;
  private final EventView event = new EventView(ImagePayload.MAX_LENGTH);
  private volatile long loads;
  private volatile long unloads;
  private volatile long malformed;
  private volatile long callbackFailures;

  public ImageEventDecoder(
      TracedProcesses processes, DevicePaths paths, CallbackFailures failures) {
    this.processes = processes;
    this.paths = paths;
    this.failures = failures;
  }

  @Override
  public void onEvent(Pointer record) {
    try {
      decode(record);
    } catch (Throwable failure) {
      callbackFailures++;
      failures.record("image event callback", failure);
    }
  }

  @Override
  public void endOfBuffer() {}

  @Override
  public void flush() {}

  private void decode(Pointer record) {
    event.read(record);
    int opcode = event.opcode();
    if (event.isProvider(EtwGuids.IMAGE_LO, EtwGuids.IMAGE_HI)) {
      if (opcode == OPCODE_IMAGE_LOAD || opcode == OPCODE_DC_START) {
        onImage(true);
      } else if (opcode == OPCODE_IMAGE_UNLOAD) {
        onImage(false);
      }
    } else if (event.isProvider(EtwGuids.PROCESS_LO, EtwGuids.PROCESS_HI)) {
      int p = event.pointerSize();
      if (event.userDataLength() < ImagePayload.processLength(p)) {
        malformed++;
        return;
      }
      event.readPayload(ImagePayload.processLength(p));
      long pid = event.u32(ImagePayload.processId(p));
      if (opcode == OPCODE_PROCESS_START) {
        processes.onProcessStart(pid, event.u32(ImagePayload.parentId(p)));
      } else if (opcode == OPCODE_PROCESS_END) {
        processes.onProcessEnd(pid);
      }
    }
  }

  private void onImage(boolean loaded) {
    int p = event.pointerSize();
    if (event.version() < MIN_VERSION || event.userDataLength() < ImagePayload.imageLength(p)) {
      malformed++;
      return;
    }
    event.readPayload(ImagePayload.MAX_LENGTH);
    long pid = event.u32(ImagePayload.imageProcessId(p));
    if (!loaded) {
      if (processes.contains(pid)) {
        unloads++;
      }
      return;
    }
    long base = event.word(ImagePayload.IMAGE_BASE, p);
    long size = event.word(ImagePayload.imageSize(p), p);
    String path = paths.toDosPath(event.utf16(ImagePayload.fileName(p)));
    if (size <= 0 || path.isEmpty()) {
      malformed++;
      return;
    }
    loads++;
    processes.onModuleLoaded(pid, new ModuleMapping(base, base + size, 0, path));
  }

  /** Images loaded (or found loaded) by any process seen; those of traced ones are reported. */
  public long loads() {
    return loads;
  }

  public long unloads() {
    return unloads;
  }

  public long malformed() {
    return malformed;
  }

  public long callbackFailures() {
    return callbackFailures;
  }
}
