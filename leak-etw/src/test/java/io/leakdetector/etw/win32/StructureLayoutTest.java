package io.leakdetector.etw.win32;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import com.sun.jna.Structure.FieldOrder;
import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Every JNA structure has mingw-w64's x64 size, and every field mingw's offset and size. JNA lays
 * the structures out on Linux here with the MSVC alignment and Win32 type mapper they always use
 * (WinStructure), so this is the layout they get on Windows too.
 */
class StructureLayoutTest {

  /** Each JNA structure and the C type it mirrors. */
  static final Map<Class<? extends WinStructure>, String> STRUCTURES = new LinkedHashMap<>();

  static {
    STRUCTURES.put(Guid.class, "GUID");
    STRUCTURES.put(WnodeHeader.class, "WNODE_HEADER");
    STRUCTURES.put(EventTraceProperties.class, "EVENT_TRACE_PROPERTIES");
    STRUCTURES.put(EventTraceHeader.class, "EVENT_TRACE_HEADER");
    STRUCTURES.put(EventTrace.class, "EVENT_TRACE");
    STRUCTURES.put(SystemTime.class, "SYSTEMTIME");
    STRUCTURES.put(TimeZoneInformation.class, "TIME_ZONE_INFORMATION");
    STRUCTURES.put(TraceLogfileHeader.class, "TRACE_LOGFILE_HEADER");
    STRUCTURES.put(EventTraceLogfileW.class, "EVENT_TRACE_LOGFILEW");
    STRUCTURES.put(EventDescriptor.class, "EVENT_DESCRIPTOR");
    STRUCTURES.put(EventHeader.class, "EVENT_HEADER");
    STRUCTURES.put(EtwBufferContext.class, "ETW_BUFFER_CONTEXT");
    STRUCTURES.put(EventRecord.class, "EVENT_RECORD");
    STRUCTURES.put(EventHeaderExtendedDataItem.class, "EVENT_HEADER_EXTENDED_DATA_ITEM");
  }

  @Test
  void everyStructureHasTheHeadersSizeAndFieldOffsets() throws Exception {
    Map<String, Long> facts = EtwFacts.x64();
    SoftAssertions softly = new SoftAssertions();
    for (Map.Entry<Class<? extends WinStructure>, String> entry : STRUCTURES.entrySet()) {
      WinStructure structure = entry.getKey().getDeclaredConstructor().newInstance();
      String c = entry.getValue();
      softly
          .assertThat(structure.size())
          .as("sizeof(%s)", c)
          .isEqualTo(EtwFacts.get(facts, "size__" + c));
      String[] fields = entry.getKey().getAnnotation(FieldOrder.class).value();
      for (String name : fields) {
        Field field = entry.getKey().getField(name);
        int size = Native.getNativeSize(field.getType(), field.get(structure));
        softly
            .assertThat(structure.offsetOf(name))
            .as("offsetof(%s, %s)", c, name)
            .isEqualTo(EtwFacts.get(facts, "off__" + c + "__" + name));
        softly
            .assertThat(size)
            .as("sizeof(%s.%s)", c, name)
            .isEqualTo(EtwFacts.get(facts, "fsize__" + c + "__" + name));
      }
      softly
          .assertThat(cFields(facts, c))
          .as("fields of %s in etw_layout.c", c)
          .isEqualTo(new TreeSet<>(Set.of(fields)));
    }
    softly.assertAll();
  }

  @Test
  void everyStructureOfTheGeneratorHasAJavaStructure() {
    Set<String> cStructs = new TreeSet<>();
    for (String fact : EtwFacts.x64().keySet()) {
      if (fact.startsWith("off__") && !fact.contains("_PAYLOAD__")) {
        cStructs.add(fact.substring(5, fact.indexOf("__", 5)));
      }
    }
    assertThat(cStructs).containsExactlyInAnyOrderElementsOf(STRUCTURES.values());
  }

  @Test
  void theReferenceSizesAgree() {
    // sizes the MS docs and FACTS.md give: a guard against a broken generator.
    assertThat(new EventTraceProperties().size()).isEqualTo(120);
    assertThat(new EventTraceLogfileW().size()).isEqualTo(448);
    assertThat(new EventRecord().size()).isEqualTo(112);
    assertThat(new EventHeader().size()).isEqualTo(80);
    assertThat(new EventTraceLogfileW().offsetOf("EventRecordCallback")).isEqualTo(424);
    assertThat(new TraceLogfileHeader().offsetOf("PerfFreq")).isEqualTo(256);
  }

  private static Set<String> cFields(Map<String, Long> facts, String c) {
    Set<String> fields = new TreeSet<>();
    String prefix = "off__" + c + "__";
    for (String fact : facts.keySet()) {
      if (fact.startsWith(prefix)) {
        fields.add(fact.substring(prefix.length()));
      }
    }
    return fields;
  }
}
