package io.leakdetector.export.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.Frame;
import io.leakdetector.StackEnd;
import java.util.List;
import org.junit.jupiter.api.Test;

class JavaMethodTest {

  private static Frame nativeFrame(String module, String symbol) {
    return new Frame(0x7f0000001000L, module, symbol, 0x10, false);
  }

  private static Frame jit(String method) {
    return new Frame(0x7f1000001000L, Frame.JIT_MODULE, method, 0x44, false);
  }

  private static Frame interpreted(String method) {
    return new Frame(0x7f1000002000L, Frame.INTERPRETED_MODULE, method, 0, false);
  }

  @Test
  void namesTheInnermostMethodOutsideTheJdk() {
    List<Frame> frames =
        List.of(
            nativeFrame("libc.so.6", "malloc"),
            nativeFrame("libz.so.1", "deflateInit2_"),
            nativeFrame("libzip.so", "Java_java_util_zip_Deflater_init"),
            interpreted("java.util.zip.Deflater.init"),
            interpreted("java.util.zip.Deflater.<init>"),
            jit("AgentFixture.leakDeflaters"),
            interpreted("AgentFixture.main"));

    assertThat(JavaMethod.of(frames)).contains("AgentFixture.leakDeflaters");
  }

  @Test
  void everyJdkPackageIsPassedOver() {
    List<Frame> frames =
        List.of(
            jit("java.nio.ByteBuffer.allocateDirect"),
            jit("javax.crypto.Cipher.init"),
            jit("jdk.internal.misc.Unsafe.allocateMemory"),
            jit("sun.nio.ch.Util.getTemporaryDirectBuffer"),
            jit("com.sun.crypto.provider.CipherCore.init"),
            jit("jdk/internal/reflect/GeneratedMethodAccessor1.invoke"),
            interpreted("com.example.Cache.fill"));

    assertThat(JavaMethod.of(frames)).contains("com.example.Cache.fill");
  }

  @Test
  void aStackOfJdkMethodsOnlyIsNamedByItsInnermostJavaMethod() {
    List<Frame> frames =
        List.of(
            nativeFrame("libjvm.so", "Unsafe_AllocateMemory0"),
            jit("jdk.internal.misc.Unsafe.allocateMemory"),
            jit("java.nio.DirectByteBuffer.<init>"),
            interpreted("java.lang.Thread.run"));

    assertThat(JavaMethod.of(frames)).contains("jdk.internal.misc.Unsafe.allocateMemory");
  }

  @Test
  void jvmStubsAndNativeFramesAreNoJavaMethods() {
    List<Frame> frames =
        List.of(
            nativeFrame("libc.so.6", "malloc"),
            nativeFrame("libjvm.so", "os::malloc(unsigned long, MEMFLAGS)"),
            jit("Interpreter"),
            jit("StubRoutines (1)"),
            Frame.end(StackEnd.STACK_COPY_EXHAUSTED));

    assertThat(JavaMethod.of(frames)).isEmpty();
  }

  @Test
  void anEmptyStackHasNoJavaMethod() {
    assertThat(JavaMethod.of(List.of())).isEmpty();
  }
}
