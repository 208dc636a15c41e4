/*
 * Test fixture for the uprobes source: known leaks from distinctly named functions through every
 * probed allocator entry point. Protocol on stdin/stdout:
 *   prints "pid N" and "ready" (threads and early blocks exist), waits for a line "go";
 *   leaks; prints facts ("moved 1"…) and "done" after calling marker_done (malloc of 777777);
 *   waits for a line "exit" and exits 0.
 * Options: "small N" = how many 16-byte blocks leak_many_small keeps (default 1200000),
 *          "burst N"  = how many malloc/free pairs burst() makes (default 0),
 *          "late N"   = threads created after "go"; each waits 100 ms, then leaks 5 x 222 bytes,
 *          "auto 1"   = do not wait for "go" nor "exit"; exit with status 7 when done.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink_ptr;
static void keep(void *p) { sink_ptr = p; }

#define EARLY 50
static void *early[EARLY];

NOINLINE void alloc_early_blocks(void) {
  for (int i = 0; i < EARLY; i++) early[i] = malloc(4444);
}
NOINLINE void free_early_blocks(void) {
  for (int i = 0; i < EARLY; i++) free(early[i]);
}

NOINLINE void leak_big_256k(void) {
  for (int i = 0; i < 3; i++) keep(malloc(256 * 1024));
}

NOINLINE void leak_realloc_grow(void) {
  for (int i = 0; i < 5; i++) {
    char *p = malloc(100);
    p[0] = 1;
    keep(realloc(p, 5000));
  }
}

NOINLINE void leak_realloc_shrink(void) {
  for (int i = 0; i < 4; i++) {
    char *p = malloc(2000);
    char *q = realloc(p, 100);
    printf("shrink_in_place %d\n", p == q);
    keep(q);
  }
}

NOINLINE void leak_realloc_move(void) {
  for (int i = 0; i < 3; i++) {
    char *p = malloc(64);
    char *blocker = malloc(64);
    keep(blocker);
    char *q = realloc(p, 4096);
    printf("moved %d\n", p != q);
    keep(q);
  }
}

NOINLINE void leak_realloc_inplace(void) {
  for (int i = 0; i < 3; i++) {
    char *p = malloc(1000);
    char *q = realloc(p, 900);
    printf("in_place %d\n", p == q);
    keep(q);
  }
}

NOINLINE void leak_realloc_null(void) {
  for (int i = 0; i < 2; i++) keep(realloc(NULL, 777));
}

NOINLINE void realloc_to_zero(void) {
  for (int i = 0; i < 6; i++) {
    char *p = malloc(300);
    char *q = realloc(p, 0);
    keep(q); /* NULL in glibc: the block was freed */
  }
}

NOINLINE void leak_reallocarray(void) {
  for (int i = 0; i < 2; i++) keep(reallocarray(NULL, 10, 50));
  for (int i = 0; i < 2; i++) {
    char *p = malloc(10);
    keep(reallocarray(p, 20, 30));
  }
}

NOINLINE void leak_aligned_alloc(void) {
  for (int i = 0; i < 3; i++) keep(aligned_alloc(64, 512));
}

NOINLINE void leak_memalign(void) {
  for (int i = 0; i < 3; i++) keep(memalign(4096, 1000));
}

NOINLINE void leak_posix_memalign(void) {
  for (int i = 0; i < 4; i++) {
    void *p = NULL;
    if (posix_memalign(&p, 64, 2048) == 0) keep(p);
  }
}

struct holder { long pad; void *ptr; };

NOINLINE void leak_posix_memalign_heap(void) {
  struct holder *h = malloc(sizeof *h); /* freed below */
  for (int i = 0; i < 2; i++) {
    if (posix_memalign(&h->ptr, 128, 3000) == 0) keep(h->ptr);
  }
  free(h);
}

void *global_ptr; /* not static: gcc would keep a static one on the stack */

/* gcc knows posix_memalign and would pass a stack temporary for a plain &global_ptr */
NOINLINE void **global_slot(void) { return &global_ptr; }

NOINLINE void leak_posix_memalign_global(void) {
  if (posix_memalign(global_slot(), 256, 1500) == 0) keep(global_ptr);
}

NOINLINE void leak_calloc(void) {
  for (int i = 0; i < 5; i++) keep(calloc(3, 333));
}

NOINLINE void leak_valloc(void) {
  for (int i = 0; i < 2; i++) keep(valloc(100));
}

NOINLINE void leak_pvalloc(void) { keep(pvalloc(100)); }

NOINLINE void not_a_leak(void) {
  void *p[100];
  for (int r = 0; r < 10; r++) {
    for (int i = 0; i < 100; i++) p[i] = malloc(16 + i * 7);
    for (int i = 0; i < 100; i++) free(p[i]);
  }
  void *q = calloc(10, 10);
  q = realloc(q, 50000);
  free(q);
}

static long small_count = 1200000;
static void **small_blocks;

NOINLINE void leak_many_small(void) {
  for (long i = 0; i < small_count; i++) small_blocks[i] = malloc(16);
}

static long burst_count = 0;
NOINLINE void burst(void) {
  for (long i = 0; i < burst_count; i++) {
    void *p = malloc(32 + (i & 255));
    keep(p);
    free(p);
  }
}

/* cross-thread frees: main allocates, 4 workers free; each worker also leaks */
#define WORKERS 4
#define SHARED 400
static void *shared[SHARED];
static pthread_barrier_t start_barrier, end_barrier;

NOINLINE void alloc_for_threads(void) {
  for (int i = 0; i < SHARED; i++) shared[i] = malloc(48);
}

NOINLINE void leak_in_thread(void) {
  for (int i = 0; i < 10; i++) keep(malloc(111));
}

static void *worker(void *arg) {
  long w = (long) arg;
  pthread_barrier_wait(&start_barrier);
  for (int i = (int) w; i < SHARED; i += WORKERS) free(shared[i]);
  leak_in_thread();
  pthread_barrier_wait(&end_barrier);
  return NULL;
}

static long late_count = 0;
static int automatic = 0;

NOINLINE void leak_in_late_thread(void) {
  for (int i = 0; i < 5; i++) keep(malloc(222));
}

static void *late_worker(void *arg) {
  (void) arg;
  usleep(100000);
  leak_in_late_thread();
  return NULL;
}

NOINLINE void start_late_threads(void) {
  pthread_t t[64];
  long n = late_count > 64 ? 64 : late_count;
  for (long i = 0; i < n; i++) pthread_create(&t[i], NULL, late_worker, NULL);
  for (long i = 0; i < n; i++) pthread_join(t[i], NULL);
}

NOINLINE void marker_done(void) { keep(malloc(777777)); }

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "small")) small_count = atol(argv[i + 1]);
    if (!strcmp(argv[i], "burst")) burst_count = atol(argv[i + 1]);
    if (!strcmp(argv[i], "late")) late_count = atol(argv[i + 1]);
    if (!strcmp(argv[i], "auto")) automatic = atoi(argv[i + 1]);
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  small_blocks = calloc(small_count > 0 ? small_count : 1, sizeof(void *));
  pthread_barrier_init(&start_barrier, NULL, WORKERS + 1);
  pthread_barrier_init(&end_barrier, NULL, WORKERS + 1);
  pthread_t t[WORKERS];
  for (long w = 0; w < WORKERS; w++) pthread_create(&t[w], NULL, worker, (void *) w);
  alloc_early_blocks();
  /* launched under the tracer, threads are traced from a few ms after their creation on (each
     needs its own probe events): give them that time before they allocate */
  if (automatic) usleep(300000);
  printf("pid %d\nready\n", getpid());
  char line[64];
  while (!automatic && fgets(line, sizeof line, stdin) && strncmp(line, "go", 2) != 0) {}

  leak_big_256k();
  leak_realloc_grow();
  leak_realloc_shrink();
  leak_realloc_move();
  leak_realloc_inplace();
  leak_realloc_null();
  realloc_to_zero();
  leak_reallocarray();
  leak_aligned_alloc();
  leak_memalign();
  leak_posix_memalign();
  leak_posix_memalign_heap();
  leak_posix_memalign_global();
  leak_calloc();
  leak_valloc();
  leak_pvalloc();
  not_a_leak();
  free_early_blocks();
  alloc_for_threads();
  pthread_barrier_wait(&start_barrier);
  pthread_barrier_wait(&end_barrier);
  for (int w = 0; w < WORKERS; w++) pthread_join(t[w], NULL);
  burst();
  start_late_threads();
  leak_many_small();
  marker_done();
  printf("done\n");
  if (automatic) return 7;
  while (fgets(line, sizeof line, stdin) && strncmp(line, "exit", 4) != 0) {}
  return 0;
}
