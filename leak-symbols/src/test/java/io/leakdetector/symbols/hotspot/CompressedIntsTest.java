package io.leakdetector.symbols.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * HotSpot's compressed stream integers in both encodings, on bytes a JVM wrote: JDK 17's (a value
 * below 192 is its byte) and JDK 25's UNSIGNED5 (every byte one more, no zero byte) — a scope of
 * Temurin 25 read from its code cache: sender 0 (serialized_null), method index 1, bci 26 + 1.
 */
class CompressedIntsTest {

  private static CompiledScopes.CompressedInts ints(int excluded, int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return new CompiledScopes.CompressedInts(ByteBuffer.wrap(b), excluded);
  }

  @Test
  void jdk17() {
    CompiledScopes.CompressedInts in = ints(0, 5, 191, 192, 3, 255, 255, 1);
    assertThat(in.next()).isEqualTo(5);
    assertThat(in.next()).isEqualTo(191);
    assertThat(in.next()).isEqualTo(192 + (3 << 6));
    assertThat(in.next()).isEqualTo(255 + (255 << 6) + (1 << 12));
  }

  @Test
  void unsigned5() {
    CompiledScopes.CompressedInts in = ints(1, 1, 2, 28, 191, 192, 4);
    assertThat(in.next()).isZero();
    assertThat(in.next()).isEqualTo(1);
    assertThat(in.next()).isEqualTo(27);
    assertThat(in.next()).isEqualTo(190);
    assertThat(in.next()).isEqualTo(191 + (3 << 6));
  }
}
