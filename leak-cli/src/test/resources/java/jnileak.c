/* The JNI library of JavaLeaks.java: blocks allocated and freed on the Java side's behalf. */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void *jnileak_allocate(jint size) {
  void *block = malloc((size_t)size);
  if (block != NULL) {
    memset(block, 0x5A, (size_t)size);
  }
  return block;
}

JNIEXPORT jlong JNICALL Java_JavaLeaks_nativeAlloc(JNIEnv *env, jclass cls, jint size) {
  (void)env;
  (void)cls;
  return (jlong)(intptr_t)jnileak_allocate(size);
}

JNIEXPORT void JNICALL Java_JavaLeaks_nativeFree(JNIEnv *env, jclass cls, jlong block) {
  (void)env;
  (void)cls;
  free((void *)(intptr_t)block);
}
