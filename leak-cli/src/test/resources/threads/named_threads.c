/*
 * Two threads named "worker-a" and "worker-b" leak BLOCK-byte blocks from the same call of
 * leak_block (identical stacks, only the thread differs): worker-a keeps LEAKS_A, worker-b
 * LEAKS_B. worker-a allocates one more block on that stack and hands it to worker-b, which frees
 * it. Protocol on standard input/output, so that a tracer attaches before anything leaks and the
 * threads still live while it reads their names:
 *   prints "ready", reads a line, leaks, prints "leaked", reads to the end of input, ends.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define BLOCK 48
#define LEAKS_A 3
#define LEAKS_B 5

static pthread_barrier_t started, leaked, freed, finish;
static void *handoff;
static void *kept[LEAKS_A + LEAKS_B];

struct worker {
  const char *name;
  int leaks;
  int first;
  int hands_off;
};

__attribute__((noinline)) void *leak_block(size_t size) {
  void *p = malloc(size);
  __asm__ volatile("" ::: "memory");
  return p;
}

static void *work(void *arg) {
  struct worker *w = arg;
  pthread_setname_np(pthread_self(), w->name);
  pthread_barrier_wait(&started);
  for (int i = 0; i < w->leaks + w->hands_off; i++) {
    void *p = leak_block(BLOCK);
    if (i < w->leaks) {
      kept[w->first + i] = p;
    } else {
      handoff = p;
    }
  }
  pthread_barrier_wait(&leaked);
  if (!w->hands_off) {
    free(handoff);
  }
  pthread_barrier_wait(&freed);
  pthread_barrier_wait(&finish);
  return NULL;
}

int main(void) {
  struct worker workers[2] = {{"worker-a", LEAKS_A, 0, 1}, {"worker-b", LEAKS_B, LEAKS_A, 0}};
  pthread_t threads[2];
  pthread_barrier_init(&started, NULL, 3);
  pthread_barrier_init(&leaked, NULL, 3);
  pthread_barrier_init(&freed, NULL, 3);
  pthread_barrier_init(&finish, NULL, 3);
  for (int t = 0; t < 2; t++) {
    if (pthread_create(&threads[t], NULL, work, &workers[t]) != 0) {
      return 1;
    }
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\n");
  int c;
  while ((c = getchar()) != '\n' && c != EOF) {
  }
  pthread_barrier_wait(&started);
  pthread_barrier_wait(&leaked);
  pthread_barrier_wait(&freed);
  printf("leaked\n");
  while (getchar() != EOF) {
  }
  pthread_barrier_wait(&finish);
  for (int t = 0; t < 2; t++) {
    pthread_join(threads[t], NULL);
  }
  printf("done\n");
  return 0;
}
