package io.leakdetector.symbols.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcMapsTest {

  @Test
  void parsesFileSpecialAnonymousAndDeletedLines() {
    String text =
        """
        55d4a3e00000-55d4a3e01000 r--p 00000000 fe:00 12345                      /tmp/my app/demo
        7f351ddb9000-7f351df0f000 r-xp 00026000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6
        7f351e000000-7f351e021000 rw-p 00000000 00:00 0
        7f3520000000-7f3520004000 r-xp 00001000 08:01 777                        /opt/lib/libgone.so (deleted)
        7ffd1e9f2000-7ffd1e9f4000 r-xp 00000000 00:00 0                          [vdso]
        ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
        not a maps line
        """;
    List<ProcMapsEntry> entries = ProcMaps.parse(text);
    assertThat(entries).hasSize(6);

    ProcMapsEntry app = entries.get(0);
    assertThat(app.path()).isEqualTo("/tmp/my app/demo");
    assertThat(app.inode()).isEqualTo(12345);
    assertThat(app.isFile()).isTrue();
    assertThat(app.isExecutable()).isFalse();

    ProcMapsEntry libc = entries.get(1);
    assertThat(libc.start()).isEqualTo(0x7f351ddb9000L);
    assertThat(libc.end()).isEqualTo(0x7f351df0f000L);
    assertThat(libc.fileOffset()).isEqualTo(0x26000);
    assertThat(libc.deviceMajor()).isEqualTo(0xfe);
    assertThat(libc.deviceMinor()).isZero();
    assertThat(libc.isExecutable()).isTrue();
    assertThat(libc.contains(0x7f351ddb9000L)).isTrue();
    assertThat(libc.contains(0x7f351df0f000L)).isFalse();
    assertThat(libc.mapFilesName()).isEqualTo("7f351ddb9000-7f351df0f000");

    ProcMapsEntry anonymous = entries.get(2);
    assertThat(anonymous.path()).isEmpty();
    assertThat(anonymous.isFile()).isFalse();

    ProcMapsEntry gone = entries.get(3);
    assertThat(gone.path()).isEqualTo("/opt/lib/libgone.so");
    assertThat(gone.deleted()).isTrue();
    assertThat(gone.deviceMajor()).isEqualTo(8);
    assertThat(gone.deviceMinor()).isEqualTo(1);

    assertThat(entries.get(4).path()).isEqualTo("[vdso]");
    assertThat(entries.get(5).start()).isEqualTo(0xffffffffff600000L);
  }

  @Test
  void readsOurOwnMap() throws Exception {
    List<ProcMapsEntry> entries = ProcMaps.read(ProcessHandle.current().pid());
    assertThat(entries)
        .anySatisfy(e -> assertThat(e.path()).endsWith("/libjvm.so"))
        .anySatisfy(e -> assertThat(e.path()).isEqualTo("[stack]"));
  }
}
