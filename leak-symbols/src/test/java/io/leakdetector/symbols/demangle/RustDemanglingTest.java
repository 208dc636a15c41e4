package io.leakdetector.symbols.demangle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rust names, legacy and v0. The reference is {@code c++filt -i} (binutils) wherever it reads a
 * name; where it cannot (constants of struct, enum, array, tuple and {@code &str} types, integers
 * wider than 64 bits, legacy {@code $u…$} escapes of non-ASCII characters), {@code rustc-demangle},
 * Rust's own demangler, built from the toolchain's sysroot.
 */
class RustDemanglingTest {
  /** Names of real Rust binaries (rustc 1.95) and of the v0 grammar, which c++filt reads. */
  static final List<String> READ_BY_CXXFILT =
      List.of(
          // v0, from binaries: types, impls, trait impls, closures, shims, Punycode, constants.
          "_RINvCsbt0fQicOZbh_10rust_names2tybEB2_",
          "_RINvCsbt0fQicOZbh_10rust_names2tyeEB2_",
          "_RNvCsbt0fQicOZbh_10rust_namesu7caf_dma",
          "_RINvCsbt0fQicOZbh_10rust_names2tyRQhEB2_",
          "_RINvCsbt0fQicOZbh_10rust_names2tyFhEzEB2_",
          "_RINvCsbt0fQicOZbh_10rust_names2tyThTcuEEEB2_",
          "_RINvCsbt0fQicOZbh_10rust_names2tyFK6systemhEuEB2_",
          "_RINvCsbt0fQicOZbh_10rust_names7genericTuTuEAhj0_EEB2_",
          "_RINvCsbt0fQicOZbh_10rust_names2tyFG_RL0_eRL0_eERL0_eEB2_",
          "_RINvCsbt0fQicOZbh_10rust_names2tyFG0_RL1_hRL0_tERL0_tEB2_",
          "_RINvCsbt0fQicOZbh_10rust_names2tyFFG_RL0_hERL0_hEFG_RL0_hEuEB2_",
          "_RNvMCsbt0fQicOZbh_10rust_namesINtB2_7WrapperhKj3_E4showB2_",
          "_RINvCsbt0fQicOZbh_10rust_names4intsKa0_Ky0_Kx0_Kb0_Kce9_EB2_",
          "_RINvCsbt0fQicOZbh_10rust_names3hofNCNCNvB2_15nested_closures0s_0EB2_",
          "_RNCNvNtCslNYArtu3iFV_5alloc3fmt6format0Csbt0fQicOZbh_10rust_names",
          "_RNvXs1G_NtCsgEmfK2I1SDS_4core3fmtToiENtB6_5Debug3fmtCsbt0fQicOZbh_10rust_names",
          "_RNvXs1_Csbt0fQicOZbh_10rust_namesINtNtCslNYArtu3iFV_5alloc3vec3VeclENtB5_2Tr2goB5_",
          "_RINvMs2_NtCsgEmfK2I1SDS_4core3fmtNtB6_9Arguments3newKj2_Kj1_ECsbt0fQicOZbh_10rust_names",
          "_RNvXs3_Csbt0fQicOZbh_10rust_namesRDINtNtNtCsgEmfK2I1SDS_4core3ops8function2FnThEEp6Output"
              + "hEL_NtB5_2Tr2go",
          "_RNvNvMs_NtCslNYArtu3iFV_5alloc3vecINtB6_3VecppE7set_len18precondition_check"
              + "Csbt0fQicOZbh_10rust_names",
          "_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCslNYArtu3iFV_5alloc5boxed3BoxDNtNtB4_3fmt"
              + "5DebugNtNtB4_6marker4SyncNtB1z_4SendEL_EECslsDZ0BHrDfJ_2fx",
          "_RNSNvYNCINvNtCsjrHSEGnQ3l9_3std2rt10lang_startuE0INtNtNtCsgEmfK2I1SDS_4core3ops8function"
              + "6FnOnceuE9call_once6vtableCslsDZ0BHrDfJ_2fx.llvm.15524317543095730988",
          "_RINvNtCslsDZ0BHrDfJ_2fxu13ncd_dma1a7bzbu9gre_6ka8imEB4_",
          "_RNvNtNtCsjrHSEGnQ3l9_3std6thread11main_thread4MAIN.0",
          // v0, constructed: each production of the grammar, suffixes.
          "_RNvCs1_1a1f",
          "_RNvC1a1f",
          "_RNCNvC1a1fs_0",
          "_RNSNvC1a1f6vtable",
          "_RNKNvC1a1f0",
          "_RNvC1a0",
          "_RNvC1au3bcd",
          "_RNvMC1aNtB2_1S1f",
          "_RNvXC1aNtB2_1SNtB2_1T1f",
          "_RNvXs_C1aNtB4_1SNtB4_1T1f",
          "_RINvC1a1fShE",
          "_RINvC1a1fTEE",
          "_RINvC1a1fRL_hE",
          "_RINvC1a1fFG_RL0_hEuE",
          "_RINvC1a1fFG0_RL0_hRL1_tEuE",
          "_RINvC1a1fFGp_RL0_hRLq_tEuE",
          "_RINvC1a1fFK8C_unwindEuE",
          "_RINvC1a1fFUKCPaEvElE",
          "_RINvC1a1fDG_NtC1a1TEL_E",
          "_RINvC1a1fKj0_Kjffffffffffffffff_Kxn5_Kb1_KpE",
          "_RINvC1a1fKc0_Kc9_Kc27_Kc5c_Kc7e_Kce9_Kc1f600_Kc110000_E",
          "_RNvC1a1f.llvm.123",
          "_RNvC1a1f.cold.1",
          // v0, not valid: c++filt leaves them, so must we.
          "_R",
          "_R0NvC1a1f",
          "_RNvC1a1fXYZ",
          "_RNvC1a1f$abc",
          "_RB_",
          "_RNvB0_1f",
          "_RNvC1a10f",
          "_RNvNvC1a1b_",
          "_RINvC1a1fKb2_E",
          "_RINvC1a1fKhn1_E",
          "_RINvC1a1fThE",
          "_RINvC1a1fTB9_E",
          "_RNvYNtC1a1SNtB3_1T1f",
          // legacy, from binaries and constructed.
          "_ZN10rust_names17Borrowed$LT$T$GT$3get17h7cc3eeb7d6f4dbf7E",
          "_ZN10rust_names4main28_$u7b$$u7b$closure$u7d$$u7d$17h45519049666124f5E",
          "_ZN42_$LT$$RF$T$u20$as$u20$core..fmt..Debug$GT$3fmt17h085fb8a6bca02d28E",
          "_ZN54_$LT$$LP$V$C$U$C$T$RP$$u20$as$u20$core..fmt..Debug$GT$3fmt17hd9484c565f070bfeE",
          "_ZN4core3ops8function6FnOnce40call_once$u7b$$u7b$vtable.shim$u7d$$u7d$17hd540ec163d05cfe2E",
          "_ZN4core3ptr9const_ptr33_$LT$impl$u20$$BP$const$u20$T$GT$13is_aligned_to17hd28cb6e44435a80fE",
          "_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$"
              + "$u7d$$GT$17h0123456789abcdefE.llvm.99",
          "_ZN4core3fmt5write17h0123456789abcdefE",
          "_ZN4core3fmt5write17h0123456789abcdefE.cold.1",
          "_ZN3foo3bar17h0000000000000000E", // too few distinct digits for a hash: C++
          "_ZN3foo3bar17h0123456789ABCDEFE", // upper case: C++
          "_ZN3foo8bar$XX$a17h0123456789abcdefE",
          "_ZN3foo5a.b.c17h0123456789abcdefE",
          "_ZN3foo17h0123456789abcdefE",
          "_ZN03foo17h0123456789abcdefE");

  /** Names c++filt 2.40 cannot read, or reads wrongly; rustc-demangle is the reference. */
  static final List<String> BEYOND_CXXFILT =
      List.of(
          "_RINvCs2EHSMOb3w9Q_17rust_const_values4modeKVNtNtB2_4Mode1AUEB2_",
          "_RINvCs2EHSMOb3w9Q_17rust_const_values4modeKVNtNtB2_4Mode1BTh4_b1_EEB2_",
          "_RINvCs2EHSMOb3w9Q_17rust_const_values4modeKVNtNtB2_4Mode1CS1vt9_1wAc61_c7a_EEEB2_",
          "_RINvCs2EHSMOb3w9Q_17rust_const_values4pairKVINtB2_4PairhETh1_h2_EEB2_",
          "_RINvCs2EHSMOb3w9Q_17rust_const_values5bytesKRAh0_h1_hff_EEB2_",
          "_RINvCs2EHSMOb3w9Q_17rust_const_values5bytesKRAEEB2_",
          "_RINvCs2EHSMOb3w9Q_17rust_const_values6singleKTsn1_EEB2_",
          "_RINvCs2EHSMOb3w9Q_17rust_const_values6stringKRe68c3a96c6c6f2077c3b6726c6420e29883_EB2_",
          "_RINvCs2EHSMOb3w9Q_17rust_const_values6stringKRe74616209202271756f74656422202773696e676c65"
              + "27206261636b5c736c617368_EB2_",
          "_RINvC1a1fKe6869_E",
          "_RINvC1a1fKQh5_E",
          "_RINvC1a1fKj_E",
          "_RINvC1a1fKj10000000000000000_E",
          "_RINvC1a1fKnn80000000000000000000000000000000_E",
          "_RNvC1au6abc_de",
          "_ZN2fx8caf$ue9$17h3c82a2100c232332E",
          "_ZN10rust_names15_$u65e5$$u672c$15_$u95a2$$u6570$17hfa46e35af1737a3dE");

  /** Not valid (a lifetime no binder binds), though c++filt prints something for them. */
  static final List<String> INVALID =
      List.of("_RINvC1a1fDNtC1a1TEL0_E", "_RINvC1a1fFRL1_hEuE", "_RINvC1a1fFGp_RL0_hRL1p_tEuE");

  @TempDir Path dir;

  @Test
  void namesCxxfiltReadsReadAsItReadsThem() throws IOException {
    List<String> expected = ReferenceDemanglers.cxxfilt(READ_BY_CXXFILT, dir);
    for (int i = 0; i < READ_BY_CXXFILT.size(); i++) {
      assertThat(Demangler.demangle(READ_BY_CXXFILT.get(i)))
          .as(READ_BY_CXXFILT.get(i))
          .isEqualTo(expected.get(i));
    }
    assertThat(expected)
        .as("c++filt reads most of them")
        .filteredOn(e -> !READ_BY_CXXFILT.contains(e))
        .hasSizeGreaterThan(READ_BY_CXXFILT.size() * 2 / 3);
  }

  @Test
  void namesBeyondCxxfiltReadAsRustcDemangleReadsThem() throws IOException {
    Path oracle = ReferenceDemanglers.rustcDemangle(dir);
    List<String> expected = ReferenceDemanglers.rustcDemangle(oracle, BEYOND_CXXFILT, dir);
    List<String> cxxfilt = ReferenceDemanglers.cxxfilt(BEYOND_CXXFILT, dir);
    for (int i = 0; i < BEYOND_CXXFILT.size(); i++) {
      String name = BEYOND_CXXFILT.get(i);
      assertThat(expected.get(i)).as("rustc-demangle reads " + name).isNotEqualTo(name);
      assertThat(cxxfilt.get(i)).as("c++filt does not read " + name).isNotEqualTo(expected.get(i));
      assertThat(Demangler.demangle(name)).as(name).isEqualTo(expected.get(i));
    }
  }

  @Test
  void invalidNamesStayAsTheyAre() throws IOException {
    Path oracle = ReferenceDemanglers.rustcDemangle(dir);
    List<String> verdicts = ReferenceDemanglers.rustcDemangle(oracle, INVALID, dir);
    for (int i = 0; i < INVALID.size(); i++) {
      assertThat(verdicts.get(i)).as("rustc-demangle rejects it").contains("{invalid syntax}");
      assertThat(Demangler.demangle(INVALID.get(i))).isEqualTo(INVALID.get(i));
    }
  }

  @Test
  void everySymbolOfARustProgramWithV0ManglingReadsAsTheReferencesReadIt() throws IOException {
    Path program =
        ReferenceDemanglers.compileRust(
            "rust_names.rs", dir, "rust_names_v0", "-C", "symbol-mangling-version=v0");
    List<String> expected = assertReadAsReferences(program, false);
    String all = String.join("\n", expected);
    assertThat(all)
        .contains("rust_names::nested_closures::{closure#0}::{closure#0}")
        .contains("{shim:vtable#0}")
        .contains("<rust_names::Square as rust_names::Shape>::twice")
        .contains("<rust_names::Borrowed<u16>>::get")
        .contains("rust_names::ty::<for<'a, 'b> fn(&'a u8, &'b u16) -> &'b u16>")
        .contains("rust_names::ty::<dyn core::iter::traits::iterator::Iterator<Item = (u8, char)>")
        .contains("extern \"C-unwind\" fn()")
        .contains("rust_names::ünïcödé::größe::<u32>")
        .contains("rust_names::日本::関数")
        .contains(
            "rust_names::ints::<-128, 18446744073709551615, -9223372036854775808, true, 'x'>");
  }

  @Test
  void everySymbolOfARustProgramWithLegacyManglingReadsAsTheReferencesReadIt() throws IOException {
    Path program =
        ReferenceDemanglers.compileRust(
            "rust_names.rs",
            dir,
            "rust_names_legacy",
            "-Z",
            "unstable-options",
            "-C",
            "symbol-mangling-version=legacy");
    List<String> expected = assertReadAsReferences(program, false);
    String all = String.join("\n", expected);
    assertThat(all)
        .contains("rust_names::nested_closures::{{closure}}::{{closure}}")
        .contains("<rust_names::Square as rust_names::Shape>::area")
        .contains("rust_names::Shape::twice")
        .contains("rust_names::Wrapper<T,_>::show")
        .contains("rust_names::日本::関数");
  }

  @Test
  void constantArgumentsOfStructEnumArrayTupleAndStringTypesReadAsRustcDemangleReadsThem()
      throws IOException {
    Path program =
        ReferenceDemanglers.compileRust(
            "rust_const_values.rs", dir, "rust_const_values", "-C", "symbol-mangling-version=v0");
    List<String> expected = assertReadAsReferences(program, true);
    String all = String.join("\n", expected);
    assertThat(all)
        .contains("{rust_const_values::Point { x: 7, y: -3 }}")
        .contains("{rust_const_values::Mode::B(4, true)}")
        .contains("{rust_const_values::Pair::<u8>(1, 2)}")
        .contains("\"héllo wörld ☃\"")
        .contains("{(-1,)}")
        .contains("<0xffffffffffffffffffffffffffffffff, -0x80000000000000000000000000000000>");
  }

  @Test
  void mutatedNamesReadAsRustcDemangleReadsThemWhereItReadsThem() throws IOException {
    Path program =
        ReferenceDemanglers.compileRust(
            "rust_names.rs", dir, "rust_names_v0", "-C", "symbol-mangling-version=v0");
    List<String> seeds =
        ReferenceDemanglers.symbols(program, false, dir).stream()
            .filter(s -> s.startsWith("_R") && s.indexOf('.') < 0)
            .toList();
    assertThat(seeds).hasSizeGreaterThan(200);
    // Replaced, inserted and deleted characters; no '.' or '$', which end a v0 name for c++filt
    // (and us) but not for rustc-demangle.
    String alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    Random random = new Random(20260501);
    List<String> mutants = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      StringBuilder name = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
      for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
        int at = 2 + random.nextInt(name.length() - 2);
        char c = alphabet.charAt(random.nextInt(alphabet.length()));
        switch (random.nextInt(3)) {
          case 0 -> name.setCharAt(at, c);
          case 1 -> name.insert(at, c);
          default -> name.deleteCharAt(at);
        }
      }
      mutants.add(name.toString());
    }
    Path oracle = ReferenceDemanglers.rustcDemangle(dir);
    List<String> expected = ReferenceDemanglers.rustcDemangle(oracle, mutants, dir);
    int compared = 0;
    int read = 0;
    for (int i = 0; i < mutants.size(); i++) {
      String ours = Demangler.demangle(mutants.get(i));
      String reference = expected.get(i);
      // rustc-demangle's checking pass skips back references, so it may print a partial name
      // with error marks; such a name is not valid, and we leave it mangled.
      if (reference.contains("{invalid syntax}")
          || reference.contains("{recursion limit reached}")
          || reference.contains("{size limit reached}")
          || reference.contains("?")) {
        assertThat(ours).as(mutants.get(i)).isEqualTo(mutants.get(i));
        continue;
      }
      compared++;
      if (!reference.equals(mutants.get(i))) {
        read++;
      }
      assertThat(charLiteralsAsCodePoints(ours))
          .as(mutants.get(i))
          .isEqualTo(charLiteralsAsCodePoints(reference));
    }
    assertThat(compared).isGreaterThan(10_000);
    assertThat(read).as("mutants that are still valid names").isGreaterThan(2_000);
  }

  @Test
  @Timeout(10)
  void deeplyNestedOrExplodingNamesAreGivenUpQuickly() throws IOException {
    // 100 000 nested slice types: beyond the depth limit.
    String deep = "_RINvC1a1f" + "S".repeat(100_000) + "hE";
    String deepButAllowed = "_RINvC1a1f" + "S".repeat(RustV0Demangler.MAX_DEPTH - 10) + "hE";
    String small = explodingName(3);
    List<String> expected = ReferenceDemanglers.cxxfilt(List.of(deepButAllowed, small), dir);
    assertThat(Demangler.demangle(deep)).isEqualTo(deep);
    assertThat(Demangler.demangle(deepButAllowed)).isEqualTo(expected.get(0));
    assertThat(Demangler.demangle(small)).isEqualTo(expected.get(1)).contains("(u8, u8)");
    // 2^40 tuples: beyond the output limit.
    String exploding = explodingName(40);
    assertThat(Demangler.demangle(exploding)).isEqualTo(exploding);
  }

  /**
   * {@code a::f::<T0, T1, …>} where T0 is {@code (u8, u8)} and each next tuple holds the one before
   * twice, through back references: the name grows linearly, its reading exponentially.
   */
  private static String explodingName(int levels) {
    StringBuilder body = new StringBuilder("INvC1a1f"); // positions count from after "_R"
    int previous = body.length();
    body.append("ThhE");
    for (int level = 0; level < levels; level++) {
      String backref = "B" + base62(previous) + "_";
      previous = body.length();
      body.append('T').append(backref).append(backref).append('E');
    }
    return "_R" + body.append('E');
  }

  /**
   * Asserts that every symbol of {@code program} reads as c++filt reads it, or as rustc-demangle
   * reads it where c++filt does not read it ({@code ownConstants}: also for the program's own
   * generic functions, whose wide integer constants c++filt 2.40 prints wrongly); returns what was
   * expected.
   */
  private List<String> assertReadAsReferences(Path program, boolean ownConstants)
      throws IOException {
    List<String> symbols = ReferenceDemanglers.symbols(program, false, dir);
    List<String> unversioned = symbols.stream().map(Demangler::withoutVersion).toList();
    List<String> cxxfilt = ReferenceDemanglers.cxxfilt(unversioned, dir);
    Path oracle = ReferenceDemanglers.rustcDemangle(dir);
    List<String> rustc = ReferenceDemanglers.rustcDemangle(oracle, unversioned, dir);
    List<String> expected = new ArrayList<>();
    int rustNames = 0;
    for (int i = 0; i < symbols.size(); i++) {
      String name = unversioned.get(i);
      boolean cxxfiltReads = !cxxfilt.get(i).equals(name) && !cxxfilt.get(i).contains("$u");
      boolean own = ownConstants && name.startsWith("_R") && rustc.get(i).startsWith("rust_const");
      String reference = cxxfiltReads && !own ? cxxfilt.get(i) : rustc.get(i);
      assertThat(Demangler.demangle(symbols.get(i))).as(symbols.get(i)).isEqualTo(reference);
      expected.add(reference);
      if (!reference.equals(name) && (name.startsWith("_R") || name.startsWith("_ZN"))) {
        rustNames++;
      }
    }
    assertThat(rustNames).as("Rust names read").isGreaterThan(100);
    return expected;
  }

  private static String base62(int value) {
    if (value == 0) {
      return "";
    }
    String digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    StringBuilder out = new StringBuilder();
    for (int v = value - 1; ; v /= 62) {
      out.insert(0, digits.charAt(v % 62));
      if (v < 62) {
        break;
      }
    }
    return out.toString();
  }

  private static final Pattern CHAR_LITERAL =
      Pattern.compile("'(?:\\\\u\\{([0-9a-f]+)\\}|\\\\(.)|(.))'");

  /**
   * Character constants as their code points: c++filt writes {@code '\\u{e9}'} where rustc-demangle
   * writes {@code 'é'}, and we follow c++filt.
   */
  private static String charLiteralsAsCodePoints(String name) {
    Matcher m = CHAR_LITERAL.matcher(name);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      int codePoint;
      if (m.group(1) != null) {
        codePoint = Integer.parseUnsignedInt(m.group(1), 16);
      } else if (m.group(2) != null) {
        codePoint =
            switch (m.group(2)) {
              case "t" -> '\t';
              case "r" -> '\r';
              case "n" -> '\n';
              case "0" -> 0;
              default -> m.group(2).codePointAt(0);
            };
      } else {
        codePoint = m.group(3).codePointAt(0);
      }
      m.appendReplacement(out, "'U+" + Integer.toHexString(codePoint) + "'");
    }
    m.appendTail(out);
    return out.toString();
  }
}
