package io.leakdetector.etw.win32;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/** Every Win32 constant the source uses equals the mingw-w64 headers' value. */
class ConstantsTest {

  @Test
  void headerConstantsEqualTheHeaders() {
    Map<String, Long> facts = EtwFacts.x64();
    Map<String, Number> constants = WinConstantsHeader.constants(EtwFacts.HEADER_CONSTANTS);
    assertThat(constants).hasSizeGreaterThan(20);
    SoftAssertions softly = new SoftAssertions();
    for (Map.Entry<String, Number> constant : constants.entrySet()) {
      String name = constant.getKey();
      softly.assertThat(facts).as("mingw defines %s", name).containsKey("const__" + name);
      Long header = facts.get("const__" + name);
      if (header == null) {
        continue;
      }
      if (constant.getValue() instanceof Integer value) {
        // A 32-bit Win32 value: equal bits, and the header's value fits 32 bits.
        softly
            .assertThat(header)
            .as("%s fits 32 bits", name)
            .isBetween((long) Integer.MIN_VALUE, 0xFFFFFFFFL);
        softly.assertThat(header.intValue()).as(name).isEqualTo(value);
      } else {
        softly.assertThat(header).as(name).isEqualTo(constant.getValue().longValue());
      }
    }
    softly.assertAll();
  }

  @Test
  void referenceConstantsAreNotInTheHeaders() {
    Map<String, Long> facts = EtwFacts.x64();
    Map<String, Number> constants = WinConstantsHeader.constants(EtwFacts.REFERENCE_CONSTANTS);
    assertThat(constants).isNotEmpty();
    for (String name : constants.keySet()) {
      assertThat(facts).as("mingw lacks %s", name).containsKey("missing__" + name);
    }
  }

  @Test
  void referenceConstantsHaveTheReferenceValues() {
    // FACTS.md "Heap session" (phnt ntwmi.h), and the hook-id rule group | opcode.
    assertThat(NtWmi.EVENT_TRACE_FLAG_EXT_ITEMS).isEqualTo(0x80FF0000);
    assertThat(NtWmi.EVENT_TRACE_FLAG_EXT_ITEMS >>> 24)
        .isEqualTo(EventTracing.EVENT_TRACE_FLAG_EXTENSION >>> 24);
    assertThat((NtWmi.EVENT_TRACE_FLAG_EXT_ITEMS >>> 16) & 0xFF)
        .isEqualTo(NtWmi.EVENT_TRACE_FLAG_EXT_LEN_NEW_STRUCT);
    assertThat(NtWmi.ETW_EXT_PIDS).isEqualTo(2);
    assertThat(NtWmi.ETW_EXT_STACKWALK_FILTER).isEqualTo(3);
    assertThat(NtWmi.PERFINFO_LOG_TYPE_HEAP_ALLOC).isEqualTo(0x1021);
    assertThat(NtWmi.PERFINFO_LOG_TYPE_HEAP_REALLOC).isEqualTo(0x1022);
    assertThat(NtWmi.PERFINFO_LOG_TYPE_HEAP_DESTROY).isEqualTo(0x1023);
    assertThat(NtWmi.PERFINFO_LOG_TYPE_HEAP_FREE).isEqualTo(0x1024);
    assertThat(NtWmi.PERFINFO_LOG_TYPE_STACKWALK & 0xFF).isEqualTo(32);
  }
}
