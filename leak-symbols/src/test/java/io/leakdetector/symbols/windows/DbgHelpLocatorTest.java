package io.leakdetector.symbols.windows;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DbgHelpLocatorTest {
  static final Map<String, String> ENV =
      Map.of(
          "ProgramFiles(x86)", "C:\\Program Files (x86)",
          "ProgramFiles", "C:\\Program Files",
          "SystemRoot", "C:\\Windows");
  static final String SDK = "C:\\Program Files (x86)\\Windows Kits\\10\\Debuggers\\x64";

  @Test
  void prefersDebuggingToolsWithSymsrvBesideIt() {
    Set<String> files =
        Set.of(SDK + "\\dbghelp.dll", SDK + "\\symsrv.dll", "C:\\Windows\\System32\\dbghelp.dll");
    assertThat(DbgHelpLocator.choose(ENV, files::contains))
        .isEqualTo(new DbgHelpLocator.Choice(SDK + "\\dbghelp.dll", true));
  }

  @Test
  void anSdkDbghelpWithoutSymsrvIsPassedOver() {
    Set<String> files = Set.of(SDK + "\\dbghelp.dll", "C:\\Windows\\System32\\dbghelp.dll");
    DbgHelpLocator.Choice choice = DbgHelpLocator.choose(ENV, files::contains);
    assertThat(choice)
        .isEqualTo(new DbgHelpLocator.Choice("C:\\Windows\\System32\\dbghelp.dll", false));
    assertThat(choice.describe()).contains("no symsrv.dll beside it");
  }

  @Test
  void anExplicitChoiceWins() {
    Map<String, String> env =
        Map.of("LEAKDETECTOR_DBGHELP", "D:\\dbg\\dbghelp.dll", "SystemRoot", "C:\\Windows");
    Set<String> files =
        Set.of("D:\\dbg\\dbghelp.dll", "D:\\dbg\\symsrv.dll", "C:\\Windows\\System32\\dbghelp.dll");
    DbgHelpLocator.Choice choice = DbgHelpLocator.choose(env, files::contains);
    assertThat(choice).isEqualTo(new DbgHelpLocator.Choice("D:\\dbg\\dbghelp.dll", true));
    assertThat(choice.describe())
        .isEqualTo(
            "dbghelp: using D:\\dbg\\dbghelp.dll (symsrv.dll beside it: symbol servers are used)");
  }

  @Test
  void noDbghelpAtAll() {
    assertThat(DbgHelpLocator.choose(ENV, path -> false)).isNull();
  }

  @Test
  void symbolPaths() {
    assertThat(SymbolPath.build(Map.of("TEMP", "C:\\Temp"), ""))
        .isEqualTo(
            "srv*C:\\Temp\\LeakDetector\\symbols*https://msdl.microsoft.com/download/symbols");
    assertThat(
            SymbolPath.build(
                Map.of("_NT_SYMBOL_PATH", "C:\\sym", "_NT_ALTERNATE_SYMBOL_PATH", "D:\\alt"),
                "C:\\app"))
        .isEqualTo("C:\\app;C:\\sym;D:\\alt");
  }
}
