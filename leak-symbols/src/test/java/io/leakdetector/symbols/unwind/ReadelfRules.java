package io.leakdetector.symbols.unwind;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link CfiRule}s a row of {@code readelf --debug-dump=frames-interp} (x86-64) stands for.
 * readelf shows a register that was never mentioned and one marked {@code DW_CFA_undefined} alike
 * ({@code u}), so for the frame pointer both readings are acceptable.
 */
final class ReadelfRules {
  private static final Pattern REGISTER_PLUS = Pattern.compile("(r[a-z0-9]+)([+-]\\d+)");
  private static final Pattern SAVED_AT = Pattern.compile("c([+-]\\d+)");

  private ReadelfRules() {}

  /**
   * Every rule the row may be compiled to.
   *
   * @param plt for a description whose instructions hold the PLT's CFA expression (from readelf's
   *     raw dump): its offset N and threshold T; else {@code null}
   */
  static List<Long> acceptable(ReadelfFrames.Row row, long[] plt) {
    int cfaKind;
    long cfaOffset = 0;
    int threshold = 0;
    Matcher cfa = REGISTER_PLUS.matcher(row.cfa());
    if (cfa.matches() && cfa.group(1).equals("rsp")) {
      cfaKind = CfiRule.CFA_SP;
      cfaOffset = Long.parseLong(cfa.group(2));
    } else if (cfa.matches() && cfa.group(1).equals("rbp")) {
      cfaKind = CfiRule.CFA_FP;
      cfaOffset = Long.parseLong(cfa.group(2));
    } else if (row.cfa().equals("exp") && plt != null) {
      cfaKind = CfiRule.CFA_PLT;
      cfaOffset = plt[0];
      threshold = (int) plt[1];
    } else {
      cfaKind = CfiRule.CFA_UNSUPPORTED;
    }
    String sp = row.columns().getOrDefault("rsp", "u");
    if (!sp.equals("u") && !sp.equals("v+0")) {
      cfaKind = CfiRule.CFA_UNSUPPORTED; // the CFA is not the caller's stack pointer
    }
    String ra = row.columns().getOrDefault("ra", "u");
    int raKind = kind(ra, CfiRule.REG_UNDEFINED);
    long raOffset = offset(ra);
    String fp = row.columns().getOrDefault("rbp", "u");
    int fpKind = kind(fp, CfiRule.REG_SAME);
    long fpOffset = offset(fp);
    List<Long> rules = new ArrayList<>();
    rules.add(CfiRule.of(cfaKind, cfaOffset, raKind, raOffset, fpKind, fpOffset, threshold, false));
    if (fp.equals("u")) {
      rules.add(
          CfiRule.of(
              cfaKind, cfaOffset, raKind, raOffset, CfiRule.REG_UNDEFINED, 0, threshold, false));
    }
    return rules;
  }

  private static int kind(String text, int whenU) {
    if (text.equals("u")) {
      return whenU;
    }
    if (text.equals("s")) {
      return CfiRule.REG_SAME;
    }
    return SAVED_AT.matcher(text).matches() ? CfiRule.REG_AT : CfiRule.REG_UNSUPPORTED;
  }

  private static long offset(String text) {
    Matcher m = SAVED_AT.matcher(text);
    return m.matches() ? Long.parseLong(m.group(1)) : 0;
  }
}
