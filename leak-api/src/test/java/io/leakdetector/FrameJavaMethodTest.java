package io.leakdetector;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrameJavaMethodTest {

  private static Frame frame(String module, String function) {
    return new Frame(0x1000, module, function, 0, false);
  }

  @Test
  void interpretedAndCompiledJavaMethodsAre() {
    assertTrue(frame(Frame.INTERPRETED_MODULE, "java.util.zip.Deflater.<init>").javaMethod());
    assertTrue(frame(Frame.JIT_MODULE, "java.util.zip.Deflater.init").javaMethod());
    assertTrue(frame(Frame.JIT_MODULE, "Leaky.main").javaMethod());
    assertTrue(frame(Frame.JIT_MODULE, "Leaky.<clinit>").javaMethod());
    assertTrue(frame(Frame.JIT_MODULE, "Leaky$$Lambda$14/0x0000000800c01234.run").javaMethod());
  }

  @Test
  void stubsNativeFramesAndUnknownCodeAreNot() {
    assertFalse(frame(Frame.JIT_MODULE, "Interpreter").javaMethod());
    assertFalse(frame(Frame.JIT_MODULE, "StubRoutines (1)").javaMethod());
    assertFalse(frame(Frame.JIT_MODULE, "I2C/C2I adapters").javaMethod());
    assertFalse(frame("libzip.so", "Java_java_util_zip_Deflater_init").javaMethod());
    assertFalse(frame("libjvm.so", "JavaCalls::call_helper").javaMethod());
    assertFalse(frame(Frame.INTERPRETED_MODULE, null).javaMethod());
    assertFalse(Frame.unknown(0x1234, false).javaMethod());
  }
}
