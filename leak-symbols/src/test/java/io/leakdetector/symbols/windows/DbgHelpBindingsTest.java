package io.leakdetector.symbols.windows;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import com.sun.jna.Structure.FieldOrder;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * The dbghelp/psapi/kernel32 bindings against mingw-w64: structure sizes and field offsets,
 * constants, and that every bound function is exported by its import library.
 */
class DbgHelpBindingsTest {
  static final Map<Class<? extends Win32Structure>, String> STRUCTURES = new LinkedHashMap<>();

  static {
    STRUCTURES.put(SymbolInfoW.class, "SYMBOL_INFOW");
    STRUCTURES.put(ImagehlpModuleW64.class, "IMAGEHLP_MODULEW64");
    STRUCTURES.put(ModuleInfo.class, "MODULEINFO");
  }

  @Test
  void structuresHaveTheHeadersLayout() throws Exception {
    SoftAssertions softly = new SoftAssertions();
    for (Map.Entry<Class<? extends Win32Structure>, String> entry : STRUCTURES.entrySet()) {
      Win32Structure structure = entry.getKey().getDeclaredConstructor().newInstance();
      String c = entry.getValue();
      softly
          .assertThat(structure.size())
          .as("sizeof(%s)", c)
          .isEqualTo(MingwFacts.get("size__" + c));
      String[] fields = entry.getKey().getAnnotation(FieldOrder.class).value();
      Set<String> cFields = new TreeSet<>();
      for (String fact : MingwFacts.x64().keySet()) {
        if (fact.startsWith("off__" + c + "__")) {
          cFields.add(fact.substring(("off__" + c + "__").length()));
        }
      }
      softly.assertThat(cFields).as("fields of %s", c).isEqualTo(new TreeSet<>(List.of(fields)));
      for (String name : fields) {
        Field field = entry.getKey().getField(name);
        softly
            .assertThat(structure.offsetOf(name))
            .as("offsetof(%s, %s)", c, name)
            .isEqualTo(MingwFacts.get("off__" + c + "__" + name));
        softly
            .assertThat(Native.getNativeSize(field.getType(), field.get(structure)))
            .as("sizeof(%s.%s)", c, name)
            .isEqualTo(MingwFacts.get("fsize__" + c + "__" + name));
      }
    }
    softly.assertAll();
  }

  @Test
  void theOffsetsUsedByHandEqualTheHeaders() {
    SymbolInfoW symbol = new SymbolInfoW();
    assertThat(SymbolInfoW.SIZE)
        .isEqualTo(MingwFacts.get("size__SYMBOL_INFOW"))
        .isEqualTo(symbol.size())
        .isEqualTo(88);
    assertThat(SymbolInfoW.SIZE_OF_STRUCT)
        .isEqualTo(MingwFacts.get("off__SYMBOL_INFOW__SizeOfStruct"));
    assertThat(SymbolInfoW.NAME_LEN)
        .isEqualTo(MingwFacts.get("off__SYMBOL_INFOW__NameLen"))
        .isEqualTo(symbol.offsetOf("NameLen"));
    assertThat(SymbolInfoW.MAX_NAME_LEN)
        .isEqualTo(MingwFacts.get("off__SYMBOL_INFOW__MaxNameLen"))
        .isEqualTo(symbol.offsetOf("MaxNameLen"));
    assertThat(SymbolInfoW.NAME)
        .isEqualTo(MingwFacts.get("off__SYMBOL_INFOW__Name"))
        .isEqualTo(symbol.offsetOf("Name"));
    assertThat(new ImagehlpModuleW64().size()).isEqualTo(3264);
    assertThat(ImagehlpModuleW64.SIZE_V3)
        .isEqualTo(MingwFacts.get("through__IMAGEHLP_MODULEW64__V3"));
    assertThat(ImagehlpModuleW64.SIZE_V2)
        .isEqualTo(MingwFacts.get("through__IMAGEHLP_MODULEW64__V2"));
    assertThat(DbgHelp.MAX_SYM_NAME).isEqualTo(MingwFacts.get("const__MAX_SYM_NAME_header"));
  }

  @Test
  void constantsEqualTheHeaders() {
    Map<String, Number> constants = MingwFacts.constants();
    assertThat(constants).hasSizeGreaterThanOrEqualTo(5);
    SoftAssertions softly = new SoftAssertions();
    for (Map.Entry<String, Number> constant : constants.entrySet()) {
      Long header = MingwFacts.x64().get("const__" + constant.getKey());
      softly.assertThat(header).as("mingw defines %s", constant.getKey()).isNotNull();
      if (header != null) {
        softly
            .assertThat(header.intValue())
            .as(constant.getKey())
            .isEqualTo(constant.getValue().intValue());
      }
    }
    softly.assertAll();
  }

  @Test
  void everyFunctionIsExportedByItsImportLibrary() {
    assertExported(DbgHelp.class, "libdbghelp.a", 7);
    assertExported(PsapiEx.class, "libpsapi.a", 2);
  }

  /** The jna-platform functions the resolver calls, by the (wide) name JNA looks up. */
  @Test
  void theJnaPlatformFunctionsWeCallAreExported() {
    assertThat(MingwFacts.exports("libpsapi.a")).contains("GetModuleFileNameExW");
    assertThat(MingwFacts.exports("libkernel32.a"))
        .contains("OpenProcess", "CloseHandle", "GetExitCodeProcess", "IsWow64Process");
  }

  private static void assertExported(Class<?> library, String importLibrary, int count) {
    List<String> functions = new ArrayList<>();
    for (Method method : library.getDeclaredMethods()) {
      if (Modifier.isAbstract(method.getModifiers())) {
        functions.add(method.getName());
      }
    }
    assertThat(functions).hasSize(count);
    for (String function : functions) {
      assertThat(MingwFacts.exports(importLibrary))
          .as("%s exports %s", importLibrary, function)
          .contains(function, "__imp_" + function);
    }
  }
}
