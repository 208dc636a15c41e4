/*
 * Threads that allocate and free all the time, so that a tracer attaches while blocks are in
 * flight: two producers malloc blocks (produce_block) and hand them through a queue to two
 * consumers that free them (consume_block); one more thread mallocs and frees its own blocks
 * (churn_block). On "stop" every thread ends, the queue is emptied (each block freed), and a
 * marker block of MARKER_SIZE bytes is allocated: from then on no block of produce_block or
 * churn_block is live, so a tracer that reports one invented a leak.
 * Protocol: prints "ready", then reads commands from stdin: "stop" (prints "stopped"), "exit".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MARKER_SIZE 777777
#define QUEUE 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *queue[QUEUE];
static int head, count;
static volatile int stopping;

__attribute__((noinline)) void *produce_block(size_t n) {
  void *p = malloc(n);
  memset(p, 1, 8);
  return p;
}

__attribute__((noinline)) void consume_block(void *p) { free(p); }

static void *volatile last_churned; /* keeps the compiler from eliding the malloc/free pair */

__attribute__((noinline)) void churn_block(size_t n) {
  void *p = malloc(n);
  last_churned = p;
  free(p);
}

static void pause_a_little(int i) {
  if ((i & 63) == 63) usleep(200);
}

static void *producer(void *arg) {
  (void) arg;
  for (int i = 0; !stopping; i++) {
    void *p = produce_block(16 + (i & 255));
    for (;;) {
      pthread_mutex_lock(&lock);
      if (count < QUEUE) {
        queue[(head + count++) % QUEUE] = p;
        pthread_mutex_unlock(&lock);
        break;
      }
      pthread_mutex_unlock(&lock);
      if (stopping) {
        consume_block(p);
        return NULL;
      }
      usleep(50);
    }
    pause_a_little(i);
  }
  return NULL;
}

static void *consumer(void *arg) {
  (void) arg;
  for (int i = 0; !stopping; i++) {
    void *p = NULL;
    pthread_mutex_lock(&lock);
    if (count > 0) {
      p = queue[head];
      head = (head + 1) % QUEUE;
      count--;
    }
    pthread_mutex_unlock(&lock);
    if (p) {
      consume_block(p);
    } else {
      usleep(50);
    }
    pause_a_little(i);
  }
  return NULL;
}

static void *churner(void *arg) {
  (void) arg;
  for (int i = 0; !stopping; i++) {
    churn_block(24 + (i & 127));
    pause_a_little(i);
  }
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  pthread_t t[5];
  pthread_create(&t[0], NULL, producer, NULL);
  pthread_create(&t[1], NULL, producer, NULL);
  pthread_create(&t[2], NULL, consumer, NULL);
  pthread_create(&t[3], NULL, consumer, NULL);
  pthread_create(&t[4], NULL, churner, NULL);
  printf("ready\n");
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (!strncmp(line, "stop", 4)) {
      stopping = 1;
      for (int i = 0; i < 5; i++) pthread_join(t[i], NULL);
      while (count > 0) {
        consume_block(queue[head]);
        head = (head + 1) % QUEUE;
        count--;
      }
      void *marker = malloc(MARKER_SIZE);
      printf("stopped %p\n", marker);
    } else if (!strncmp(line, "exit", 4)) {
      return 0;
    }
  }
  return 0;
}
