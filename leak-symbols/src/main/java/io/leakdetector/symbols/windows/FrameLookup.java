package io.leakdetector.symbols.windows;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import io.leakdetector.Frame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * On the dbghelp thread: the frames at one return address of a module, innermost first — the
 * functions inlined at the call (each {@code inlined}), then the function that holds it — each with
 * its source file and line.
 *
 * <p>Every user address of a stack is a return address (ETW walks the stack in the kernel while the
 * event is logged, so even the innermost one is where the thread resumes after the system call),
 * and a return address points at the instruction after the call, which may belong to the next line,
 * the next inlined function or (after a call that does not return) the next function. So names,
 * lines and inline contexts are looked up at the address − 1, inside the call instruction, as
 * debuggers do; the offset shown stays the return address's own distance from the function's start.
 *
 * <p>The inline contexts of the functions enclosing the innermost inlined one follow its context
 * one apart: dbghelp's documentation leaves the values opaque, but that is how its clients walk
 * them, and how Wine's dbghelp numbers them.
 *
 * <p>A dbghelp.dll without the line or inline-frame functions (an old one) gives frames without
 * them, reported once; any other failure of a call gives the frame without what the call would have
 * added.
 */
final class FrameLookup {
  /** More inlined functions at one address are taken as a broken answer and cut. */
  static final int MAX_INLINE_DEPTH = 64;

  private final DbgHelp dbghelp;
  private final Pointer session;
  private final OnceLog failures;
  private final Memory symbol = new Memory(SymbolInfoW.SIZE + 2L * (DbgHelp.MAX_SYM_NAME - 1));
  private final LongByReference displacement = new LongByReference();
  private final IntByReference lineDisplacement = new IntByReference();
  private final IntByReference context = new IntByReference();
  private final IntByReference frameIndex = new IntByReference();
  private final ImagehlpLineW64 line = new ImagehlpLineW64();
  private boolean lines = true;
  private boolean inlines = true;

  FrameLookup(DbgHelp dbghelp, Pointer session, OnceLog failures) {
    this.dbghelp = dbghelp;
    this.session = session;
    this.failures = failures;
  }

  /**
   * The frames at {@code address} in {@code module}, the function holding the call last. As on
   * Linux, an inlined frame's symbol and offset are those of the code it lies in (the function
   * holding the call); its function, file and line are the inlined function's.
   */
  List<Frame> at(long address, WindowsModule module) {
    long call = address - 1;
    List<Frame> frames = new ArrayList<>(1);
    if (inlines) {
      addInlined(frames, address, call, module);
    }
    Frame physical = physical(address, call, module);
    frames.replaceAll(
        f ->
            new Frame(
                f.address(),
                f.module(),
                physical.symbol(),
                physical.offset(),
                false,
                f.function(),
                f.file(),
                f.line(),
                true));
    frames.add(physical);
    return frames;
  }

  private Frame physical(long address, long call, WindowsModule module) {
    String name = symbolAt(call, 0, false);
    long offset;
    if (name != null) {
      offset = displacement.getValue() + 1;
    } else {
      long base = module.base();
      ImagehlpModuleW64 info = moduleInfo(call);
      if (info != null && info.BaseOfImage != 0) {
        base = info.BaseOfImage;
      }
      offset = address - base;
    }
    Frame frame = new Frame(address, module.fileName(), name, offset, false);
    if (lines && lineAt(call)) {
      return frame.withSource(name, Utf16.read(line.FileName), line.LineNumber);
    }
    return frame;
  }

  private void addInlined(List<Frame> frames, long address, long call, WindowsModule module) {
    try {
      int depth = dbghelp.SymAddrIncludeInlineTrace(session, call);
      if (depth <= 0
          || !dbghelp.SymQueryInlineTrace(
              session, call, DbgHelp.INLINE_FRAME_CONTEXT_INIT, call, call, context, frameIndex)) {
        return;
      }
      // The contexts of the enclosing inlined functions follow the innermost one's, one apart.
      int innermost = context.getValue();
      for (int i = 0; i < Math.min(depth, MAX_INLINE_DEPTH); i++) {
        Frame inlined = inlinedFrame(address, call, innermost + i, module);
        if (inlined != null) {
          frames.add(inlined);
        }
      }
    } catch (UnsatisfiedLinkError e) {
      frames.clear(); // no half chains
      inlines = false;
      failures.warn(
          "inline",
          "dbghelp: this dbghelp.dll lacks the inline-frame functions ("
              + functionOf(e)
              + "): stacks are shown without inlined functions.",
          e);
    }
  }

  /** The inlined function of {@code inlineContext}, or null when dbghelp knows nothing of it. */
  private Frame inlinedFrame(long address, long call, int inlineContext, WindowsModule module) {
    String name = symbolAt(call, inlineContext, true);
    line.SizeOfStruct = line.size();
    line.FileName = null;
    line.LineNumber = 0;
    boolean hasLine =
        lines
            && dbghelp.SymGetLineFromInlineContextW(
                session, call, inlineContext, 0, lineDisplacement, line)
            && hasLine();
    if (name == null && !hasLine) {
      return null;
    }
    return new Frame(
        address,
        module.fileName(),
        name,
        0,
        false,
        name,
        hasLine ? Utf16.read(line.FileName) : null,
        hasLine ? line.LineNumber : 0,
        true);
  }

  /**
   * The (undecorated) name at {@code call}, of the inlined function of {@code inlineContext} when
   * {@code inlined}; the displacement is then in {@link #displacement}. Null when unknown.
   */
  private String symbolAt(long call, int inlineContext, boolean inlined) {
    symbol.clear(SymbolInfoW.SIZE);
    symbol.setInt(SymbolInfoW.SIZE_OF_STRUCT, SymbolInfoW.SIZE);
    symbol.setInt(SymbolInfoW.MAX_NAME_LEN, DbgHelp.MAX_SYM_NAME);
    displacement.setValue(0);
    boolean found =
        inlined
            ? dbghelp.SymFromInlineContextW(session, call, inlineContext, displacement, symbol)
            : dbghelp.SymFromAddrW(session, call, displacement, symbol);
    if (!found) {
      return null;
    }
    int length = Math.min(symbol.getInt(SymbolInfoW.NAME_LEN), DbgHelp.MAX_SYM_NAME - 1);
    return new String(
        symbol.getByteArray(SymbolInfoW.NAME, 2 * Math.max(length, 0)), StandardCharsets.UTF_16LE);
  }

  /** Whether dbghelp has a line for {@code call} (then it is in {@link #line}). */
  private boolean lineAt(long call) {
    line.SizeOfStruct = line.size();
    line.FileName = null;
    line.LineNumber = 0;
    try {
      return dbghelp.SymGetLineFromAddrW64(session, call, lineDisplacement, line) && hasLine();
    } catch (UnsatisfiedLinkError e) {
      lines = false;
      failures.warn(
          "lines",
          "dbghelp: this dbghelp.dll lacks SymGetLineFromAddrW64: stacks are shown without source"
              + " lines.",
          e);
      return false;
    }
  }

  private boolean hasLine() {
    return line.LineNumber > 0 && line.FileName != null;
  }

  /** The function JNA did not find, as its error names it in quotes, else the first one. */
  private static String functionOf(UnsatisfiedLinkError e) {
    String message = String.valueOf(e.getMessage());
    int open = message.indexOf('\'');
    int close = open < 0 ? -1 : message.indexOf('\'', open + 1);
    return close > open + 1 ? message.substring(open + 1, close) : "SymAddrIncludeInlineTrace";
  }

  /** dbghelp's record of the module at {@code address}, trying older structure sizes too. */
  private ImagehlpModuleW64 moduleInfo(long address) {
    ImagehlpModuleW64 info = new ImagehlpModuleW64();
    for (int size : new int[] {info.size(), ImagehlpModuleW64.SIZE_V3, ImagehlpModuleW64.SIZE_V2}) {
      info.SizeOfStruct = size;
      if (dbghelp.SymGetModuleInfoW64(session, address, info)) {
        return info;
      }
    }
    return null;
  }
}
