package io.leakdetector.symbols.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.symbols.elf.ElfSymbol;
import java.util.List;
import org.junit.jupiter.api.Test;

class SymbolTableTest {
  static ElfSymbol function(String name, long value, long size, int bind) {
    return new ElfSymbol(name, value, size, ElfSymbol.STT_FUNC, bind, 16);
  }

  @Test
  void findsTheSymbolHoldingAnAddress() {
    SymbolTable table =
        SymbolTable.of(
            List.of(
                function("a", 0x1000, 0x20, ElfSymbol.STB_GLOBAL),
                function("b", 0x1040, 0x10, ElfSymbol.STB_LOCAL),
                new ElfSymbol("data", 0x1030, 8, ElfSymbol.STT_OBJECT, ElfSymbol.STB_GLOBAL, 20),
                function("unsized", 0x2000, 0, ElfSymbol.STB_GLOBAL)));
    assertThat(table.size()).isEqualTo(3); // the object is not a function
    assertThat(name(table, 0xfff)).isNull();
    assertThat(name(table, 0x1000)).isEqualTo("a");
    assertThat(name(table, 0x101f)).isEqualTo("a");
    assertThat(name(table, 0x1020)).as("a gap between functions").isNull();
    assertThat(name(table, 0x1045)).isEqualTo("b");
    assertThat(name(table, 0x1050)).isNull();
    assertThat(name(table, 0x2345)).as("nearest symbol of unknown size").isEqualTo("unsized");
  }

  @Test
  void enclosingSymbolWinsOverANestedLabelThatEnded() {
    SymbolTable table =
        SymbolTable.of(
            List.of(
                function("outer", 0x1000, 0x100, ElfSymbol.STB_GLOBAL),
                function("inner", 0x1010, 0x10, ElfSymbol.STB_LOCAL)));
    assertThat(name(table, 0x1015)).isEqualTo("inner");
    assertThat(name(table, 0x1080)).isEqualTo("outer");
  }

  @Test
  void aliasesAreKeptOnceUnderTheMostReadableName() {
    SymbolTable table =
        SymbolTable.of(
            List.of(
                function("__libc_free", 0x3000, 0x80, ElfSymbol.STB_GLOBAL),
                new ElfSymbol(
                    "cfree",
                    0x3000,
                    0x80,
                    ElfSymbol.STT_FUNC,
                    ElfSymbol.STB_GLOBAL,
                    16,
                    "GLIBC_2.2.5",
                    false),
                new ElfSymbol(
                    "free",
                    0x3000,
                    0x80,
                    ElfSymbol.STT_FUNC,
                    ElfSymbol.STB_GLOBAL,
                    16,
                    "GLIBC_2.2.5",
                    true),
                function("aligned_alloc", 0x4000, 0x30, ElfSymbol.STB_WEAK),
                function("memalign", 0x4000, 0x30, ElfSymbol.STB_WEAK)));
    assertThat(table.size()).isEqualTo(2);
    assertThat(name(table, 0x3001)).isEqualTo("free");
    assertThat(name(table, 0x4000)).isEqualTo("memalign");
  }

  @Test
  void emptyTableFindsNothing() {
    assertThat(SymbolTable.EMPTY.indexOf(0x1000)).isEqualTo(-1);
    assertThat(SymbolTable.of(List.of()).isEmpty()).isTrue();
  }

  private static String name(SymbolTable table, long vaddr) {
    int index = table.indexOf(vaddr);
    return index < 0 ? null : table.name(index);
  }
}
