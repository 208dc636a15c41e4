package io.leakdetector.symbols.demangle;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.IDN;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Punycode decoding against the JDK's encoder (java.net.IDN, RFC 3490/3492). */
class PunycodeTest {
  @Test
  void decodesWhatTheJdkEncodes() {
    List<String> words =
        List.of("café", "ünïcödé", "日本", "関数", "привет_мир", "mañana", "x😀y", "a⁂b⁂c", "ॐ");
    for (String word : words) {
      String ace = IDN.toASCII(word, IDN.ALLOW_UNASSIGNED);
      assertThat(ace).as(word).startsWith("xn--");
      String encoded = ace.substring(4);
      int dash = encoded.lastIndexOf('-');
      String ascii = dash < 0 ? "" : encoded.substring(0, dash);
      String deltas = encoded.substring(dash + 1);
      assertThat(Punycode.decode(ascii, deltas)).as(ace).isEqualTo(word);
    }
  }

  @Test
  void refusesDigitsOutsideTheAlphabetAndResultsTooLong() {
    String deltas = IDN.toASCII("café", IDN.ALLOW_UNASSIGNED).substring("xn--caf-".length());
    assertThat(Punycode.decode("caf", deltas)).isEqualTo("café");
    assertThat(Punycode.decode("caf", deltas.toUpperCase())).isNull();
    assertThat(Punycode.decode("caf", deltas + "_")).isNull();
    assertThat(Punycode.decode("c".repeat(Punycode.MAX_LENGTH - 2) + "af", deltas)).isNull();
    assertThat(Punycode.decode("c".repeat(Punycode.MAX_LENGTH - 3) + "af", deltas))
        .hasSize(Punycode.MAX_LENGTH);
  }
}
