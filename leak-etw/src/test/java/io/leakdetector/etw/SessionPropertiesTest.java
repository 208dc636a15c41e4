package io.leakdetector.etw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Memory;
import io.leakdetector.etw.decode.EventRecords;
import io.leakdetector.etw.win32.EtwFacts;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The enable-flags extension block and the properties buffers, byte for byte. */
class SessionPropertiesTest {
  static final BufferSettings BUFFERS = new BufferSettings(64, 256, 1024);

  @Test
  void theHeapBlockForPid7408IsTheReferencesWords() {
    // FACTS.md "Heap session" (PerfView SaveExtensions): 0x00020006, 0x00020002, <pid>, 0x00030003,
    // 0x00001021, 0x00001022.
    assertThat(EnableFlagsExtension.heapSession(7408))
        .containsExactly(0x00020006, 0x00020002, 7408, 0x00030003, 0x00001021, 0x00001022);
  }

  @Test
  void enableFlagsPointAtTheBlock() {
    // PerfView's own session name "HeapSession" → block at 120 + 24 = 144 → 0x80FF0090.
    assertThat(SessionProperties.extensionOffset("HeapSession")).isEqualTo(144);
    assertThat(EnableFlagsExtension.enableFlags(144)).isEqualTo(0x80FF0090);
    // Ours: 120 + (23 + 1) * 2 = 168, a multiple of 8 → 0x80FF00A8.
    assertThat(SessionProperties.extensionOffset(HeapSession.NAME)).isEqualTo(168);
    assertThat(EnableFlagsExtension.enableFlags(168)).isEqualTo(0x80FF00A8);
    // A name whose end is not 8-aligned is padded: 120 + 4 * 2 = 128 + 0; 120 + 5 * 2 = 130 → 136.
    assertThat(SessionProperties.extensionOffset("abc")).isEqualTo(128);
    assertThat(SessionProperties.extensionOffset("abcd")).isEqualTo(136);
    assertThatThrownBy(() -> EnableFlagsExtension.enableFlags(0x10000))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theStartBufferBytesForPid7408AndOurName() {
    Memory buffer = SessionProperties.forStart(HeapSession.NAME, 7408, BUFFERS);
    assertThat(buffer.size()).isEqualTo(192);
    assertThat(buffer.getInt(0)).isEqualTo(192);
    assertThat(buffer.getByteArray(24, 16)).containsExactly(EventRecords.HEAP_GUID);
    assertThat(buffer.getInt(48)).isEqualTo(64);
    assertThat(buffer.getInt(52)).isEqualTo(256);
    assertThat(buffer.getInt(56)).isEqualTo(1024);
    assertThat(buffer.getInt(72)).isEqualTo(0x80FF00A8);
    byte[] name = buffer.getByteArray(120, 48);
    assertThat(new String(name, 0, 46, java.nio.charset.StandardCharsets.UTF_16LE))
        .isEqualTo("LeakDetectorHeapSession");
    assertThat(name[46]).isZero();
    assertThat(name[47]).isZero();
    // The block, as little-endian bytes.
    assertThat(buffer.getByteArray(168, 24))
        .containsExactly(
            0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0x02, 0x00, 0xf0, 0x1c, 0x00, 0x00, 0x03, 0x00,
            0x03, 0x00, 0x21, 0x10, 0x00, 0x00, 0x22, 0x10, 0x00, 0x00);
  }

  @Test
  void theOffsetsWrittenByHandEqualTheHeaders() {
    Map<String, Long> facts = EtwFacts.x64();
    assertThat(SessionProperties.STRUCT_SIZE)
        .isEqualTo(EtwFacts.get(facts, "size__EVENT_TRACE_PROPERTIES"));
    assertThat(SessionProperties.WNODE_BUFFER_SIZE)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_TRACE_PROPERTIES__WNODE_BUFFER_SIZE"));
    assertThat(SessionProperties.WNODE_GUID)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_TRACE_PROPERTIES__WNODE_GUID"));
    assertThat(SessionProperties.ENABLE_FLAGS)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_TRACE_PROPERTIES__ENABLE_FLAGS"));
    assertThat(SessionProperties.EVENTS_LOST)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_TRACE_PROPERTIES__EVENTS_LOST"));
    assertThat(SessionProperties.LOG_BUFFERS_LOST)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_TRACE_PROPERTIES__LOG_BUFFERS_LOST"));
    assertThat(SessionProperties.REAL_TIME_BUFFERS_LOST)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_TRACE_PROPERTIES__REAL_TIME_BUFFERS_LOST"));
    assertThat(SessionProperties.LOGGER_NAME_OFFSET)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_TRACE_PROPERTIES__LOGGER_NAME_OFFSET"));
    Memory buffer = SessionProperties.forStart("x", 1, BUFFERS);
    assertThat(buffer.getInt(SessionProperties.LOGGER_NAME_OFFSET)).isEqualTo(120);
    assertThat(buffer.getInt(SessionProperties.ENABLE_FLAGS))
        .isEqualTo(0x80FF0000 | SessionProperties.extensionOffset("x"));
  }
}
