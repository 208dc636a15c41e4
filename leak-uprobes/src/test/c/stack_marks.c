/*
 * Allocations whose caller's stack is known, for the stack copy tests.
 *
 *   stack_marks COPY DEPTH
 *
 * Starts a second thread, prints "ready" and waits for "go" on stdin. Then the main thread makes
 * marked calls 0 (malloc) and 1 (posix_memalign), and the second thread marked calls 2 (malloc)
 * and 3 (posix_memalign), each DEPTH frames of 1 KiB below its thread's start. A marked call
 * (marked_alloc, built -O0 so that every local lives in the frame and the frame is set up once):
 *   - fills a local volatile array with eight 64-bit markers MARK + 16 * k + i,
 *   - takes its stack pointer and frame pointer just before the call: at the allocator's return
 *     the caller's registers are these again,
 *   - allocates, keeping the result in a global (posix_memalign: in a local, written by the
 *     callee before it returns),
 *   - copies COPY bytes of its stack from that stack pointer up (fewer where its thread's stack
 *     ends) into a buffer, writing nothing in its own frame between the return and the copy.
 * Each prints one line
 *   mark K sp=HEX fp=HEX at=HEX lo=HEX hi=HEX block=HEX copy=HEXBYTES
 * (at: the marker array; lo, hi: the thread's stack from pthread_getattr_np; block: the result).
 * Then "done"; it waits for "exit" (or end of input).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK 0x4c65616b4d61726bULL /* "LeakMark" read as a big-endian word */
#define WORDS 8
#define MAX_COPY 65536

static size_t copy_bytes;
static int depth;
static void *volatile result;
static unsigned char copies[4][MAX_COPY];
static pthread_mutex_t output = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;

static void bounds(uintptr_t *lo, uintptr_t *hi) {
  pthread_attr_t attr;
  void *addr;
  size_t size;
  pthread_getattr_np(pthread_self(), &attr);
  pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  *lo = (uintptr_t)addr;
  *hi = (uintptr_t)addr + size;
}

static void report(int k, uintptr_t sp, uintptr_t fp, volatile uint64_t *marks, uintptr_t lo,
                   uintptr_t hi, void *block, size_t n) {
  pthread_mutex_lock(&output);
  printf("mark %d sp=%lx fp=%lx at=%lx lo=%lx hi=%lx block=%lx copy=", k, (unsigned long)sp,
         (unsigned long)fp, (unsigned long)marks, (unsigned long)lo, (unsigned long)hi,
         (unsigned long)block);
  for (size_t i = 0; i < n; i++) printf("%02x", copies[k][i]);
  printf("\n");
  fflush(stdout);
  pthread_mutex_unlock(&output);
}

__attribute__((noinline, optimize("O0"))) static void marked_alloc(int k, size_t size) {
  volatile uint64_t marks[WORDS];
  uintptr_t sp, fp, lo, hi;
  size_t n;
  void *block = NULL;
  bounds(&lo, &hi);
  for (int i = 0; i < WORDS; i++) marks[i] = MARK + 16 * k + i;
#if defined(__x86_64__)
  __asm__ volatile("mov %%rsp, %0\n\tmov %%rbp, %1" : "=r"(sp), "=r"(fp));
#elif defined(__aarch64__)
  __asm__ volatile("mov %0, sp\n\tmov %1, x29" : "=r"(sp), "=r"(fp));
#else
#error "x86-64 or aarch64 only"
#endif
  n = hi - sp < copy_bytes ? hi - sp : copy_bytes;
  if (k % 2 == 0) {
    result = malloc(size);
  } else {
    posix_memalign(&block, 64, size);
  }
  memcpy(copies[k], (const void *)sp, n);
  report(k, sp, fp, marks, lo, hi, k % 2 == 0 ? result : block, n);
}

/* DEPTH frames of 1 KiB each between the thread's start and the marked calls */
__attribute__((noinline)) static void descend(int levels, int first) {
  volatile char pad[1024];
  pad[0] = (char)levels;
  if (levels > 0) {
    descend(levels - 1, first);
  } else {
    marked_alloc(first, 1000 + first);
    marked_alloc(first + 1, 2000 + first);
  }
  pad[1] = pad[0];
}

static void *second(void *arg) {
  (void)arg;
  pthread_barrier_wait(&start);
  descend(depth, 2);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: stack_marks COPY DEPTH\n");
    return 2;
  }
  copy_bytes = strtoul(argv[1], NULL, 10);
  depth = atoi(argv[2]);
  if (copy_bytes > MAX_COPY) return 2;
  pthread_barrier_init(&start, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, second, NULL);
  char line[64];
  printf("ready\n");
  fflush(stdout);
  if (!fgets(line, sizeof line, stdin) || strncmp(line, "go", 2) != 0) return 1;
  pthread_barrier_wait(&start);
  descend(depth, 0);
  pthread_join(t, NULL);
  printf("done\n");
  fflush(stdout);
  while (fgets(line, sizeof line, stdin) && strncmp(line, "exit", 4) != 0) {
  }
  return 0;
}
