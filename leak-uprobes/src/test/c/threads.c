/*
 * Threads created after tracing starts, for the source's new-thread tests.
 *
 *   threads wait|now|wait-exec SHORT STORM
 *
 * "wait": prints "ready" and waits for "go" on stdin (attach mode); "now": starts at once (launch
 * mode); "wait-exec": prints "ready", waits for "go", keeps 5 blocks of 99 bytes (leak_before_exec)
 * and execs itself with "now SHORT STORM" (the new program must not inherit them). Then, with every pointer kept in globals so nothing is optimized away:
 *   - SHORT short-lived threads, one after the other, each living well under a millisecond:
 *     leak_in_short_thread keeps 3 blocks of 48 bytes and allocates and frees 5 more;
 *   - handoff: the main thread allocates 100 blocks of 64 bytes (handoff_alloc), then creates a
 *     consumer thread that frees them all as its first work and keeps 2 blocks of 80 bytes
 *     (leak_in_consumer): no handoff_alloc block is outstanding at the end;
 *   - a storm of STORM threads in waves of 50, each keeping 10 blocks of 32 bytes (leak_in_storm).
 * Last, marker_done keeps one block of 777777 bytes and "done" is printed; in "wait" mode it then
 * waits for "exit" (or end of input), in "now" mode it exits with status 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void *volatile sink_slot;
void *volatile short_blocks[100000][3];
void *volatile handoff[100];
void *volatile consumer_blocks[2];
void *volatile storm_blocks[100000][10];

NOINLINE static void churn(void) {
  for (int i = 0; i < 5; i++) {
    sink_slot = malloc(40 + i);
    free(sink_slot);
  }
}

NOINLINE void leak_in_short_thread(long k) {
  for (int i = 0; i < 3; i++) short_blocks[k][i] = malloc(48);
  churn();
}

static void *short_thread(void *arg) {
  leak_in_short_thread((long)arg);
  return NULL;
}

NOINLINE void handoff_alloc(void) {
  for (int i = 0; i < 100; i++) handoff[i] = malloc(64);
}

NOINLINE void handoff_free(void) {
  for (int i = 0; i < 100; i++) free(handoff[i]);
}

NOINLINE void leak_in_consumer(void) {
  for (int i = 0; i < 2; i++) consumer_blocks[i] = malloc(80);
}

static void *consumer(void *arg) {
  handoff_free();
  leak_in_consumer();
  return NULL;
}

NOINLINE void leak_in_storm(long k) {
  for (int i = 0; i < 10; i++) storm_blocks[k][i] = malloc(32);
}

static void *storm_thread(void *arg) {
  leak_in_storm((long)arg);
  return NULL;
}

void *volatile before_exec[5];

NOINLINE void leak_before_exec(void) {
  for (int i = 0; i < 5; i++) before_exec[i] = malloc(99);
}

NOINLINE void marker_done(void) { sink_slot = malloc(777777); }

static void start_and_join(void *(*fn)(void *), long arg) {
  pthread_t t;
  if (pthread_create(&t, NULL, fn, (void *)arg) != 0) {
    perror("pthread_create");
    exit(2);
  }
  pthread_join(t, NULL);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: threads wait|now SHORT STORM\n");
    return 2;
  }
  int wait = strcmp(argv[1], "wait") == 0;
  long shorts = atol(argv[2]);
  long storm = atol(argv[3]);
  char line[64];
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(argv[1], "wait-exec") == 0) {
    printf("ready\n");
    if (!fgets(line, sizeof line, stdin)) return 1;
    leak_before_exec();
    char *args[] = {argv[0], "now", argv[2], argv[3], NULL};
    execv("/proc/self/exe", args);
    perror("execv");
    return 2;
  }
  if (wait) {
    printf("ready\n");
    if (!fgets(line, sizeof line, stdin)) return 1;
  }
  for (long k = 0; k < shorts; k++) start_and_join(short_thread, k);
  handoff_alloc();
  start_and_join(consumer, 0);
  for (long first = 0; first < storm; first += 50) {
    pthread_t wave[50];
    long n = storm - first < 50 ? storm - first : 50;
    for (long k = 0; k < n; k++) {
      if (pthread_create(&wave[k], NULL, storm_thread, (void *)(first + k)) != 0) {
        perror("pthread_create");
        exit(2);
      }
    }
    for (long k = 0; k < n; k++) pthread_join(wave[k], NULL);
  }
  marker_done();
  printf("done\n");
  if (wait) {
    while (fgets(line, sizeof line, stdin) && strncmp(line, "exit", 4) != 0) {
    }
  }
  return 0;
}
