package io.leakdetector.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class StreamListenerTest {

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.leakdetector.spi.SpiMethods#streamListener")
  void everyMethodIsOptional(Method method) {
    // a source or a test overrides only what it needs
    assertThat(method.isDefault()).as(method.toString()).isTrue();
  }

  @Test
  void aListenerHearsOnlyWhatItOverrides() {
    List<String> heard = new ArrayList<>();
    StreamListener exits =
        new StreamListener() {
          @Override
          public void onTargetExit(int exitCode) {
            heard.add("exit " + exitCode);
          }
        };

    exits.onModuleMapped(new ModuleMapping(0x1000, 0x2000, 0, "/lib/libc.so.6"));
    exits.onSourceFailure("The ring buffer could not be read.");
    exits.onTargetExit(3);

    assertThat(heard).containsExactly("exit 3");
  }
}
