import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Native leaks from distinct Java methods (JavaStacksIT): Deflaters never ended, direct buffers
 * kept, blocks of its own JNI library kept, and one block in a thousand kept by a loop hot enough
 * to be JIT-compiled (through a method inlined into it). Arguments: deflaters, direct buffers, JNI blocks, loop iterations. Each path
 * runs once before the leaks (classes loaded, call sites resolved), so that the leaking calls
 * allocate nothing but their leaks. Prints "leaking" before and "leaked" after them; with a fifth
 * argument "wait" it then waits for a line on standard input before exiting; with "self" it traces
 * itself ({@link SelfWatch}, the LeakDetector library on the class path) and prints what it saw.
 */
public final class JavaLeaks {
  private static final List<Object> kept = new ArrayList<>(10_000);
  private static final List<Long> keptBlocks = new ArrayList<>(10_000);

  static native long nativeAlloc(int size);

  static native void nativeFree(long block);

  public static void main(String[] args) throws Exception {
    System.load(System.getProperty("jnileak.library"));
    int deflaters = Integer.parseInt(args[0]);
    int buffers = Integer.parseInt(args[1]);
    int blocks = Integer.parseInt(args[2]);
    int iterations = Integer.parseInt(args[3]);
    warmUp();
    boolean self = args.length > 4 && args[4].equals("self");
    SelfWatch watch = self ? new SelfWatch() : null;
    Thread.sleep(1500); // the tracer finds the JVM's tables
    System.out.println("leaking");
    System.out.flush();
    leakDeflaters(deflaters);
    leakDirectBuffers(buffers);
    leakThroughJni(blocks);
    churnCompiled(iterations);
    System.out.println("leaked " + kept.size() + " " + keptBlocks.size());
    System.out.flush();
    if (watch != null) {
      watch.report();
      watch.close();
    }
    if (args.length > 4 && args[4].equals("wait")) {
      new BufferedReader(new InputStreamReader(System.in)).readLine();
    }
  }

  private static void warmUp() {
    new Deflater().end();
    ByteBuffer.allocateDirect(16);
    keptBlocks.add(nativeAlloc(16)); // Long.valueOf's cache class loaded too
    nativeFree(keptBlocks.remove(0));
    // the list's room is allocated on the Java heap, never by malloc: grown now all the same
    kept.add(kept);
    kept.remove(0);
  }

  static void leakDeflaters(int n) {
    for (int i = 0; i < n; i++) {
      kept.add(new Deflater());
    }
  }

  static void leakDirectBuffers(int n) {
    for (int i = 0; i < n; i++) {
      kept.add(ByteBuffer.allocateDirect(4000 + i));
    }
  }

  static void leakThroughJni(int n) {
    for (int i = 0; i < n; i++) {
      keptBlocks.add(nativeAlloc(300 + i));
    }
  }

  /** A small method the JIT compilers inline into {@link #churnCompiled}. */
  static long allocateBlock(int size) {
    return nativeAlloc(size);
  }

  /** Allocates and frees a block per iteration, keeping one in a thousand; compiled soon. */
  static void churnCompiled(int iterations) {
    long[] hold = new long[iterations / 1000 + 1];
    int held = 0;
    for (int i = 1; i <= iterations; i++) {
      long block = allocateBlock(64);
      if (i % 1000 == 0) {
        hold[held++] = block;
      } else {
        nativeFree(block);
      }
    }
    for (int i = 0; i < held; i++) {
      keptBlocks.add(hold[i]);
    }
  }
}
