package io.leakdetector.symbols.dwarf;

import static io.leakdetector.symbols.dwarf.DwarfConstants.*;

import io.leakdetector.symbols.elf.SectionCursor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes a unit's line number program ({@code .debug_line}, DWARF 2 to 5) into a {@link
 * LineTable}.
 */
final class LineTableReader {
  private final DwarfData data;
  private final CompileUnit unit;
  private final ByteBuffer section;

  // Header.
  private int version;
  private int offsetSize;
  private int addressSize;
  private int minimumInstructionLength;
  private int maximumOperationsPerInstruction;
  private int lineBase;
  private int lineRange;
  private int opcodeBase;
  private int[] standardOpcodeLengths;
  private final List<String> directories = new ArrayList<>();
  private final List<String> fileNames = new ArrayList<>();
  private final List<Integer> fileDirectories = new ArrayList<>();

  // Rows, in program order; sequences as [first, end) row ranges.
  private long[] address = new long[256];
  private int[] opIndex = new int[256];
  private int[] line = new int[256];
  private int[] file = new int[256];
  private int[] discriminator = new int[256];
  private boolean[] end = new boolean[256];
  private int rows;
  private final List<int[]> sequences = new ArrayList<>();
  private int sequenceStart = -1;

  private LineTableReader(DwarfData data, CompileUnit unit) {
    this.data = data;
    this.unit = unit;
    this.section = data.sections.get(DwarfSections.LINE);
  }

  /**
   * Reads the line table of {@code unit}.
   *
   * @throws DwarfException when the unit has none or it is corrupt
   */
  static LineTable read(DwarfData data, CompileUnit unit) {
    if (unit.stmtList < 0) {
      throw new DwarfException("unit at offset " + unit.header.offset() + " has no line table");
    }
    return new LineTableReader(data, unit).decode();
  }

  private LineTable decode() {
    DwarfCursor in = new DwarfCursor(section, DwarfSections.LINE);
    in.seek(unit.stmtList);
    long length = in.u32();
    offsetSize = 4;
    if (length == 0xffffffffL) {
      length = in.u64();
      offsetSize = 8;
    }
    if (length < 0 || length > in.limit() - in.position()) {
      throw new DwarfException(
          DwarfSections.LINE
              + ": table at offset "
              + unit.stmtList
              + " is longer than the section");
    }
    in = new DwarfCursor(section, DwarfSections.LINE, in.position(), in.position() + (int) length);
    readHeader(in);
    runProgram(in);
    return build();
  }

  private void readHeader(DwarfCursor in) {
    version = in.u16();
    if (version < 2 || version > 5) {
      throw new DwarfException(
          DwarfSections.LINE + ": unsupported version " + version + " at offset " + unit.stmtList);
    }
    addressSize = unit.header.addressSize();
    if (version >= 5) {
      int size = in.u8();
      if (size == 4 || size == 8) {
        addressSize = size;
      }
      in.u8(); // segment selector size
    }
    long headerLength = in.unsigned(offsetSize);
    long programStart = in.position() + headerLength;
    minimumInstructionLength = in.u8();
    maximumOperationsPerInstruction = version >= 4 ? in.u8() : 1;
    if (maximumOperationsPerInstruction == 0) {
      throw new DwarfException(DwarfSections.LINE + ": maximum operations per instruction is 0");
    }
    in.u8(); // default_is_stmt: addr2line keeps every row, statement or not
    lineBase = in.s8();
    lineRange = in.u8();
    opcodeBase = in.u8();
    standardOpcodeLengths = new int[Math.max(opcodeBase, 1)];
    for (int i = 1; i < opcodeBase; i++) {
      standardOpcodeLengths[i] = in.u8();
    }
    if (version >= 5) {
      readEntries(in, true);
      readEntries(in, false);
    } else {
      while (true) {
        String directory = in.string();
        if (directory.isEmpty()) {
          break;
        }
        directories.add(directory);
      }
      while (true) {
        String name = in.string();
        if (name.isEmpty()) {
          break;
        }
        addFile(name, in.ulebInt());
        in.uleb(); // modification time
        in.uleb(); // length
      }
    }
    in.seek(programStart);
  }

  /** DWARF 5 directory or file name entries, each described by a list of (content, form). */
  private void readEntries(DwarfCursor in, boolean directoryTable) {
    int formatCount = in.u8();
    int[] contents = new int[formatCount];
    int[] forms = new int[formatCount];
    for (int i = 0; i < formatCount; i++) {
      contents[i] = in.ulebInt();
      forms[i] = in.ulebInt();
    }
    long count = in.uleb();
    if (count < 0 || count > in.limit() - in.position()) {
      throw new DwarfException(DwarfSections.LINE + ": impossible entry count " + count);
    }
    UnitHeader format =
        new UnitHeader(-1, 0, 0, version, DW_UT_COMPILE, offsetSize, addressSize, 0, 0);
    for (long entry = 0; entry < count; entry++) {
      String path = null;
      int directory = 0;
      for (int i = 0; i < formatCount; i++) {
        int form = Forms.actual(in, forms[i]);
        long value = Forms.read(in, form, 0, format);
        if (contents[i] == DW_LNCT_PATH && Forms.isString(form)) {
          path =
              form == DW_FORM_STRING
                  ? SectionCursor.stringAt(section, value)
                  : data.string(form, value, unit);
        } else if (contents[i] == DW_LNCT_DIRECTORY_INDEX && !Forms.isString(form)) {
          directory = value < 0 || value > Integer.MAX_VALUE ? -1 : (int) value;
        }
      }
      if (directoryTable) {
        directories.add(path);
      } else {
        addFile(path, directory);
      }
    }
  }

  private void addFile(String name, int directory) {
    fileNames.add(name);
    fileDirectories.add(directory);
  }

  private void runProgram(DwarfCursor in) {
    while (in.hasMore()) {
      long address = 0;
      int opIndex = 0;
      int file = 1;
      int line = 1;
      int discriminator = 0;
      boolean endSequence = false;
      while (!endSequence && in.hasMore()) {
        int opcode = in.u8();
        if (opcode >= opcodeBase) {
          int adjusted = opcode - opcodeBase;
          if (lineRange == 0) {
            throw new DwarfException(DwarfSections.LINE + ": line_range is 0");
          }
          long advance = adjusted / lineRange;
          address += addressAdvance(opIndex, advance);
          opIndex = nextOpIndex(opIndex, advance);
          line += lineBase + adjusted % lineRange;
          addRow(address, opIndex, file, line, discriminator, false);
          discriminator = 0;
        } else if (opcode == 0) {
          long length = in.uleb();
          if (length == 0) {
            continue;
          }
          int next = in.position();
          if (length > in.limit() - next) {
            throw new DwarfException(DwarfSections.LINE + ": extended opcode runs past the table");
          }
          int sub = in.u8();
          switch (sub) {
            case DW_LNE_END_SEQUENCE:
              endSequence = true;
              addRow(address, opIndex, file, line, discriminator, true);
              break;
            case DW_LNE_SET_ADDRESS:
              {
                int size = (int) length - 1;
                address = size == 4 || size == 8 ? in.unsigned(size) : in.unsigned(addressSize);
                opIndex = 0;
                break;
              }
            case DW_LNE_DEFINE_FILE:
              {
                String name = in.string();
                addFile(name, in.ulebInt());
                break;
              }
            case DW_LNE_SET_DISCRIMINATOR:
              discriminator = in.ulebInt();
              break;
            default:
              break;
          }
          in.seek(next + length);
        } else {
          switch (opcode) {
            case DW_LNS_COPY:
              addRow(address, opIndex, file, line, discriminator, false);
              discriminator = 0;
              break;
            case DW_LNS_ADVANCE_PC:
              {
                long advance = in.uleb();
                address += addressAdvance(opIndex, advance);
                opIndex = nextOpIndex(opIndex, advance);
                break;
              }
            case DW_LNS_ADVANCE_LINE:
              line += (int) in.sleb();
              break;
            case DW_LNS_SET_FILE:
              file = in.ulebInt();
              break;
            case DW_LNS_SET_COLUMN:
              in.uleb();
              break;
            case DW_LNS_NEGATE_STMT:
            case DW_LNS_SET_BASIC_BLOCK:
              break;
            case DW_LNS_CONST_ADD_PC:
              {
                if (lineRange == 0) {
                  throw new DwarfException(DwarfSections.LINE + ": line_range is 0");
                }
                long advance = (255 - opcodeBase) / lineRange;
                address += addressAdvance(opIndex, advance);
                opIndex = nextOpIndex(opIndex, advance);
                break;
              }
            case DW_LNS_FIXED_ADVANCE_PC:
              address += in.u16();
              opIndex = 0;
              break;
            default:
              for (int i = 0; i < standardOpcodeLengths[opcode]; i++) {
                in.uleb();
              }
              break;
          }
        }
      }
    }
    closeSequence();
  }

  private long addressAdvance(int opIndex, long operationAdvance) {
    if (maximumOperationsPerInstruction == 1) {
      return minimumInstructionLength * operationAdvance;
    }
    return minimumInstructionLength
        * ((opIndex + operationAdvance) / maximumOperationsPerInstruction);
  }

  private int nextOpIndex(int opIndex, long operationAdvance) {
    return maximumOperationsPerInstruction == 1
        ? 0
        : (int) ((opIndex + operationAdvance) % maximumOperationsPerInstruction);
  }

  private void addRow(long at, int op, int fileIndex, int lineNumber, int disc, boolean last) {
    if (sequenceStart >= 0) {
      int previous = rows - 1;
      if (address[previous] == at && opIndex[previous] == op && end[previous] == last) {
        // Of consecutive rows at one address the last wins, as in BFD.
        file[previous] = fileIndex;
        line[previous] = lineNumber;
        discriminator[previous] = disc;
        if (last) {
          closeSequence();
        }
        return;
      }
    } else {
      sequenceStart = rows;
    }
    if (rows == address.length) {
      int capacity = rows * 2;
      address = Arrays.copyOf(address, capacity);
      opIndex = Arrays.copyOf(opIndex, capacity);
      line = Arrays.copyOf(line, capacity);
      file = Arrays.copyOf(file, capacity);
      discriminator = Arrays.copyOf(discriminator, capacity);
      end = Arrays.copyOf(end, capacity);
    }
    address[rows] = at;
    opIndex[rows] = op;
    line[rows] = lineNumber;
    file[rows] = fileIndex;
    discriminator[rows] = disc;
    end[rows] = last;
    rows++;
    if (last) {
      closeSequence();
    }
  }

  private void closeSequence() {
    if (sequenceStart >= 0) {
      if (rows - sequenceStart >= 2) {
        sequences.add(new int[] {sequenceStart, rows});
      }
      sequenceStart = -1;
    }
  }

  private LineTable build() {
    int count = sequences.size();
    for (int[] sequence : sequences) {
      sortRowsIfNeeded(sequence[0], sequence[1]);
    }
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    // By start address; of two starting together the longer first; then in program order.
    Arrays.sort(
        order,
        (a, b) -> {
          int[] x = sequences.get(a);
          int[] y = sequences.get(b);
          int byLow = Long.compare(address[x[0]], address[y[0]]);
          if (byLow != 0) {
            return byLow;
          }
          int byHigh = Long.compare(address[y[1] - 1], address[x[1] - 1]);
          return byHigh != 0 ? byHigh : Integer.compare(a, b);
        });
    int[] firstRow = new int[count];
    int[] endRow = new int[count];
    long[] low = new long[count];
    long[] high = new long[count];
    int kept = 0;
    long lastHigh = Long.MIN_VALUE;
    for (int i = 0; i < count; i++) {
      int[] sequence = sequences.get(order[i]);
      long sequenceLow = address[sequence[0]];
      long sequenceHigh = address[sequence[1] - 1];
      if (kept > 0 && sequenceLow < lastHigh) {
        if (sequenceHigh <= lastHigh) {
          continue; // nested in an earlier sequence
        }
        sequenceLow = lastHigh; // overlaps: trimmed
      }
      firstRow[kept] = sequence[0];
      endRow[kept] = sequence[1];
      low[kept] = sequenceLow;
      high[kept] = sequenceHigh;
      lastHigh = sequenceHigh;
      kept++;
    }
    int[] directoryIndexes = new int[fileDirectories.size()];
    for (int i = 0; i < directoryIndexes.length; i++) {
      directoryIndexes[i] = fileDirectories.get(i);
    }
    return new LineTable(
        version >= 5,
        unit.compDir,
        directories.toArray(new String[0]),
        fileNames.toArray(new String[0]),
        directoryIndexes,
        Arrays.copyOf(address, rows),
        Arrays.copyOf(line, rows),
        Arrays.copyOf(file, rows),
        Arrays.copyOf(discriminator, rows),
        Arrays.copyOf(end, rows),
        Arrays.copyOf(firstRow, kept),
        Arrays.copyOf(endRow, kept),
        Arrays.copyOf(low, kept),
        Arrays.copyOf(high, kept));
  }

  /**
   * Compilers emit rows in address order; for one that does not, the rows before the end row are
   * put in order (stable, so equal addresses keep program order).
   */
  private void sortRowsIfNeeded(int first, int endRow) {
    boolean sorted = true;
    for (int i = first + 1; i < endRow - 1 && sorted; i++) {
      sorted = address[i - 1] <= address[i];
    }
    if (sorted) {
      return;
    }
    int count = endRow - 1 - first;
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = first + i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(address[a], address[b]));
    long[] a = new long[count];
    int[] l = new int[count];
    int[] f = new int[count];
    int[] d = new int[count];
    for (int i = 0; i < count; i++) {
      a[i] = address[order[i]];
      l[i] = line[order[i]];
      f[i] = file[order[i]];
      d[i] = discriminator[order[i]];
    }
    System.arraycopy(a, 0, address, first, count);
    System.arraycopy(l, 0, line, first, count);
    System.arraycopy(f, 0, file, first, count);
    System.arraycopy(d, 0, discriminator, first, count);
  }
}
