/*
 * Test fixture for a libc mapped after attach: loads a second libc with dlmopen(LM_ID_NEWLM) and
 * leaks known blocks through it and through the main libc, each from a distinctly named function.
 * Usage: second_libc LIBC_PATH [EARLY_LIBC_PATH]. LIBC_PATH is a copy of the system libc at another
 * path or under another name, the system libc's own path (a new link-map namespace maps that file
 * a second time), or a view of it through an overlay; EARLY_LIBC_PATH, when given, is loaded the
 * same way before "ready" (so before the tracer attaches) and otherwise left alone.
 * Protocol on stdin/stdout:
 *   [dlmopen()s EARLY_LIBC_PATH and prints "early lmid L";]
 *   prints "pid N" and "ready", waits for a line "go";
 *   dlmopen()s LIBC_PATH, looks up malloc/free/calloc/realloc in it and prints
 *   "loaded lmid L malloc 0xADDR main_malloc 0xADDR", then waits for a line "leak" (the tracer
 *   must have probed the new libc by then: blocks allocated through it earlier cannot be seen);
 *   leaks (also from a new thread), calls marker_done (malloc of 765432 through the main libc), prints "done";
 *   waits for a line "exit" and exits 0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink_ptr;
static void keep(void *p) { sink_ptr = p; }

/* the second libc's allocator */
static void *(*malloc2)(size_t);
static void (*free2)(void *);
static void *(*calloc2)(size_t, size_t);
static void *(*realloc2)(void *, size_t);

static void *must(void *p, const char *what) {
  if (!p) {
    fprintf(stderr, "second_libc: %s failed: %s\n", what, dlerror());
    exit(3);
  }
  return p;
}

NOINLINE void load_second_libc(const char *path) {
  void *h = must(dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL), "dlmopen");
  malloc2 = must(dlsym(h, "malloc"), "dlsym malloc");
  free2 = must(dlsym(h, "free"), "dlsym free");
  calloc2 = must(dlsym(h, "calloc"), "dlsym calloc");
  realloc2 = must(dlsym(h, "realloc"), "dlsym realloc");
  Lmid_t lmid = -1;
  dlinfo(h, RTLD_DI_LMID, &lmid);
  printf("loaded lmid %ld malloc %p main_malloc %p\n", (long) lmid, (void *) malloc2,
         (void *) malloc);
}

/* 7 blocks, 7 * 1234 bytes */
NOINLINE void late_libc_malloc_kept(void) {
  for (int i = 0; i < 7; i++) keep(malloc2(1234));
}

/* 5 blocks, 5 * 300 bytes */
NOINLINE void late_libc_calloc_kept(void) {
  for (int i = 0; i < 5; i++) keep(calloc2(6, 50));
}

/* 4 blocks grown from 100 to 3000 bytes */
NOINLINE void late_libc_realloc_grown(void) {
  for (int i = 0; i < 4; i++) {
    char *p = malloc2(100);
    p[0] = 1;
    char *blocker = malloc2(16); /* so the growth cannot simply extend p in place every time */
    keep(realloc2(p, 3000));
    free2(blocker);
  }
}

/* 20 blocks of 555 bytes, the even ones freed: 10 blocks, 5550 bytes */
NOINLINE void late_libc_half_freed(void) {
  void *p[20];
  for (int i = 0; i < 20; i++) p[i] = malloc2(555);
  for (int i = 0; i < 20; i += 2) free2(p[i]);
  for (int i = 1; i < 20; i += 2) keep(p[i]);
}

/* 8 blocks of 4321 bytes and 2 of 256 KiB (served by mmap), all freed: nothing outstanding */
NOINLINE void late_libc_all_freed(void) {
  void *p[10];
  for (int i = 0; i < 8; i++) p[i] = malloc2(4321);
  for (int i = 8; i < 10; i++) p[i] = malloc2(256 * 1024);
  for (int i = 0; i < 10; i++) free2(p[i]);
}

/* 2 blocks of 256 KiB (served by mmap) */
NOINLINE void late_libc_big(void) {
  for (int i = 0; i < 2; i++) keep(malloc2(256 * 1024));
}

/* on a thread created after the late libc was probed (its probe events are opened when its
   creation is read, a few ms later: it waits before allocating): 4 x 2468, 1 freed */
NOINLINE void late_libc_in_new_thread(void) {
  void *p[4];
  for (int i = 0; i < 4; i++) p[i] = malloc2(2468);
  free2(p[2]);
  for (int i = 0; i < 4; i++) {
    if (i != 2) keep(p[i]);
  }
}

static void *new_thread(void *arg) {
  (void) arg;
  usleep(300000);
  late_libc_in_new_thread();
  return NULL;
}

NOINLINE void run_new_thread(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, new_thread, NULL) != 0) exit(4);
  pthread_join(t, NULL);
}

/* through the main libc: 9 x 2222 + 3 x calloc(10, 11): 12 blocks, 20328 bytes */
NOINLINE void main_libc_kept(void) {
  for (int i = 0; i < 9; i++) keep(malloc(2222));
  for (int i = 0; i < 3; i++) keep(calloc(10, 11));
}

/* through the main libc: 6 x 3333, 2 freed: 4 blocks, 13332 bytes */
NOINLINE void main_libc_some_freed(void) {
  void *p[6];
  for (int i = 0; i < 6; i++) p[i] = malloc(3333);
  free(p[0]);
  free(p[3]);
  for (int i = 1; i < 6; i++) {
    if (i != 3) keep(p[i]);
  }
}

NOINLINE void marker_done(void) { keep(malloc(765432)); }

static void await_line(const char *word) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, word, strlen(word)) == 0) return;
  }
  exit(0); /* stdin closed: the test is gone */
}

NOINLINE void load_early_libc(const char *path) {
  void *h = must(dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL), "dlmopen early");
  Lmid_t lmid = -1;
  dlinfo(h, RTLD_DI_LMID, &lmid);
  printf("early lmid %ld\n", (long) lmid);
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: second_libc LIBC_PATH [EARLY_LIBC_PATH]\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3) load_early_libc(argv[2]);
  printf("pid %d\nready\n", getpid());
  await_line("go");
  load_second_libc(argv[1]);
  await_line("leak");
  late_libc_malloc_kept();
  main_libc_kept();
  late_libc_calloc_kept();
  late_libc_realloc_grown();
  main_libc_some_freed();
  late_libc_half_freed();
  late_libc_all_freed();
  late_libc_big();
  run_new_thread();
  marker_done();
  printf("done\n");
  await_line("exit");
  return 0;
}
