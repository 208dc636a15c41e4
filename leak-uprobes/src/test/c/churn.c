/*
 * malloc/free churn workload, used by the kill -9 test and by bench/uprobes.sh.
 * One op is one allocation (malloc 13/16, calloc 2/16, realloc of a live block 1/16) and, except
 * for realloc, one free, over 64 live slots with sizes 16..1039 that are touched.
 * Options: "wait" - start on SIGUSR1 (prints "pid N" and "waiting" first);
 *          "seconds S" - stop after S seconds (default: run until SIGTERM);
 *          "report-ms M" - print "ops/s R" every M ms (default 0: only at the end);
 *          "idle N" - first start N threads that sleep in pause() until the process ends
 *          (a server's idle pool: they cost a tracer that works per thread, not one that does not);
 *          "depth D" - churn D calls deep (D nested frames above main: stacks to unwind).
 * At the end prints "total ops/s R" and exits 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t go, stop;
static void on_go(int s) { (void) s; go = 1; }
static void on_stop(int s) { (void) s; stop = 1; }

static void *idle(void *arg) {
  (void) arg;
  for (;;) pause();
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double seconds;
static long report_ms;

static unsigned long churn(void) {
  void *slot[64] = {0};
  uint32_t x = 12345;
  unsigned long ops = 0, window_ops = 0;
  double start = now(), window = start;
  while (!stop) {
    for (int k = 0; k < 256; k++) {
      x = x * 1103515245u + 12345u;
      int s = (x >> 8) & 63;
      size_t size = 16 + ((x >> 14) & 1023);
      int kind = (x >> 24) & 15;
      if (kind == 15 && slot[s]) {
        char *p = realloc(slot[s], size);
        if (p) { p[0] = 1; slot[s] = p; }
      } else {
        free(slot[s]);
        char *p = kind >= 13 ? calloc(1, size) : malloc(size);
        if (p) p[size - 1] = 1;
        slot[s] = p;
      }
    }
    ops += 256;
    window_ops += 256;
    double t = now();
    if (report_ms > 0 && (t - window) * 1000 >= report_ms) {
      printf("ops/s %.0f\n", window_ops / (t - window));
      window = t;
      window_ops = 0;
    }
    if (seconds > 0 && t - start >= seconds) break;
  }
  printf("total ops/s %.0f\n", ops / (now() - start));
  for (int s = 0; s < 64; s++) free(slot[s]);
  return ops;
}

/* Churns "depth" frames deep; the barrier keeps each call a real call, not a jump. */
__attribute__((noinline)) static unsigned long nested(int depth) {
  unsigned long ops = depth > 0 ? nested(depth - 1) : churn();
  __asm__ volatile("" : "+r"(ops)::"memory");
  return ops;
}

int main(int argc, char **argv) {
  int wait = 0;
  int depth = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "wait")) wait = 1;
    if (!strcmp(argv[i], "seconds") && i + 1 < argc) seconds = atof(argv[++i]);
    if (!strcmp(argv[i], "report-ms") && i + 1 < argc) report_ms = atol(argv[++i]);
    if (!strcmp(argv[i], "depth") && i + 1 < argc) depth = atoi(argv[++i]);
    if (!strcmp(argv[i], "idle") && i + 1 < argc) {
      long n = atol(argv[++i]);
      for (long k = 0; k < n; k++) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle, NULL) != 0) {
          perror("pthread_create");
          return 2;
        }
      }
    }
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGUSR1, on_go);
  signal(SIGTERM, on_stop);
  printf("pid %d\n", getpid());
  if (wait) {
    printf("waiting\n");
    while (!go && !stop) usleep(1000);
  }
  printf("running\n");
  nested(depth);
  return 0;
}
