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
 * constants, that every bound function is exported by its import library and imported from the DLL
 * we load, and that its parameters and result have the sizes of the header's prototype.
 */
class DbgHelpBindingsTest {
  static final Map<Class<? extends Win32Structure>, String> STRUCTURES = new LinkedHashMap<>();

  static {
    STRUCTURES.put(SymbolInfoW.class, "SYMBOL_INFOW");
    STRUCTURES.put(ImagehlpModuleW64.class, "IMAGEHLP_MODULEW64");
    STRUCTURES.put(ImagehlpLineW64.class, "IMAGEHLP_LINEW64");
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
    assertExported(DbgHelp.class, "libdbghelp.a", 12);
    assertExported(PsapiEx.class, "libpsapi.a", 2);
  }

  /**
   * Linked against the import library, each function is imported from the DLL {@link SymbolApi}
   * loads it from: the dbghelp.dll it chose, psapi.dll.
   */
  @Test
  void everyFunctionIsImportedFromTheDllWeLoad() {
    for (Map.Entry<Class<?>, String> binding :
        Map.<Class<?>, String>of(DbgHelp.class, "dbghelp", PsapiEx.class, "psapi").entrySet()) {
      List<String> functions = functions(binding.getKey());
      Map<String, String> dllOf = MingwImports.dllOf(binding.getValue(), functions);
      for (String function : functions) {
        assertThat(dllOf.get(function))
            .as("the DLL %s is imported from", function)
            .isEqualTo(binding.getValue() + ".dll");
      }
    }
  }

  /**
   * Functions older mingw-w64 headers (10.0, Debian bookworm's) do not declare, though their import
   * library has them; with headers that declare them, their prototypes are checked too.
   */
  static final Set<String> UNDECLARED_BY_OLDER_HEADERS =
      Set.of(
          "SymAddrIncludeInlineTrace",
          "SymQueryInlineTrace",
          "SymFromInlineContextW",
          "SymGetLineFromInlineContextW");

  /**
   * The x64 calling convention passes each argument in an 8-byte slot, and a 4-byte value passed
   * where 8 bytes are read leaves garbage in the upper half: every parameter and the result must
   * have the header's size.
   */
  @Test
  void everyFunctionHasTheHeadersParameterSizes() {
    List<Method> methods = new ArrayList<>();
    methods.addAll(abstractMethods(DbgHelp.class));
    methods.addAll(abstractMethods(PsapiEx.class));
    Map<String, MingwPrototypes.Shape> header =
        MingwPrototypes.of(methods.stream().map(Method::getName).toList());
    assertThat(header)
        .containsKeys("SymFromAddrW", "SymGetLineFromAddrW64", "EnumProcessModulesEx");
    SoftAssertions softly = new SoftAssertions();
    for (Method method : methods) {
      MingwPrototypes.Shape shape = header.get(method.getName());
      if (shape == null) {
        softly
            .assertThat(UNDECLARED_BY_OLDER_HEADERS)
            .as("the headers do not declare %s", method.getName())
            .contains(method.getName());
        continue;
      }
      List<Long> parameters = new ArrayList<>();
      for (Class<?> type : method.getParameterTypes()) {
        parameters.add(JnaSizes.of(type));
      }
      softly
          .assertThat(new MingwPrototypes.Shape(JnaSizes.of(method.getReturnType()), parameters))
          .as("sizes of %s's result and parameters", method.getName())
          .isEqualTo(shape);
    }
    softly.assertAll();
  }

  /** The jna-platform functions the resolver calls, by the (wide) name JNA looks up. */
  @Test
  void theJnaPlatformFunctionsWeCallAreExported() {
    assertThat(MingwFacts.exports("libpsapi.a")).contains("GetModuleFileNameExW");
    assertThat(MingwFacts.exports("libkernel32.a"))
        .contains("OpenProcess", "CloseHandle", "GetExitCodeProcess", "IsWow64Process");
  }

  private static List<Method> abstractMethods(Class<?> library) {
    List<Method> methods = new ArrayList<>();
    for (Method method : library.getDeclaredMethods()) {
      if (Modifier.isAbstract(method.getModifiers())) {
        methods.add(method);
      }
    }
    return methods;
  }

  private static List<String> functions(Class<?> library) {
    return abstractMethods(library).stream().map(Method::getName).sorted().toList();
  }

  private static void assertExported(Class<?> library, String importLibrary, int count) {
    List<String> functions = functions(library);
    assertThat(functions).hasSize(count);
    for (String function : functions) {
      assertThat(MingwFacts.exports(importLibrary))
          .as("%s exports %s", importLibrary, function)
          .contains(function, "__imp_" + function);
    }
  }
}
