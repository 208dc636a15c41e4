/*
 * LeakDetector's native demo: leaks in known patterns, each from its own named function, in
 * rounds, so that a trace of it can be checked against exact numbers.
 *
 * Per round (run_round calls each pattern once; sizes are requested bytes):
 *
 *   stack (innermost caller)           allocated      freed          outstanding after the round
 *   leak_fixed_blocks  (malloc)        30 x 168       -              30 blocks, 5040 bytes
 *   leak_grown_blocks  (malloc site)   20 x 100       20 (realloc)    0
 *   leak_grown_blocks  (realloc site)  20 x 200       -              20 blocks, 4000 bytes
 *   leak_partly_freed_blocks (malloc)  30 x 100       24             6 blocks,  600 bytes
 *   leak_shrunk_blocks (malloc site)   4 x 400        4 (realloc)     0
 *   leak_shrunk_blocks (realloc site)  4 x 200        -              4 blocks,  800 bytes
 *   total                                                            60 blocks, 10440 bytes
 *
 * A realloc counts as a free of the old block and an allocation of the new one on the realloc's
 * stack, whether or not the block moves. Nothing else is allocated while rounds run: standard
 * output uses a static buffer.
 *
 * Linux: malloc/realloc/free. Windows (mingw-w64): HeapAlloc/HeapReAlloc/HeapFree on
 * GetProcessHeap(); the pattern functions are exported so dbghelp names them without a PDB.
 *
 * Options: --rounds N (0 = until killed; default 0), --delay-ms MS between rounds (default
 * 1000), --wait-for-input (read one line from standard input before the first round),
 * --wait-for-signal (POSIX: wait for SIGUSR1 before the first round), --hold (after the --rounds
 * rounds, none when N is 0, run one more round per line read from standard input, and end at the
 * end of the input: a tracer's reports then see an exact number of rounds, and the program ends by
 * itself when whoever drives it goes away).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#define DEMO_EXPORT __declspec(dllexport)
#define DEMO_NOINLINE __attribute__((noinline))
static HANDLE demo_heap;
static inline __attribute__((always_inline)) void *demo_alloc(size_t size) {
  return HeapAlloc(demo_heap, 0, size);
}
static inline __attribute__((always_inline)) void *demo_realloc(void *block, size_t size) {
  return HeapReAlloc(demo_heap, 0, block, size);
}
static inline __attribute__((always_inline)) void demo_free(void *block) {
  HeapFree(demo_heap, 0, block);
}
static void demo_init_heap(void) { demo_heap = GetProcessHeap(); }
static unsigned long demo_pid(void) { return (unsigned long)GetCurrentProcessId(); }
static void demo_sleep_ms(long ms) { Sleep((DWORD)ms); }
#else
#include <signal.h>
#include <time.h>
#include <unistd.h>
#define DEMO_EXPORT __attribute__((visibility("default")))
#define DEMO_NOINLINE __attribute__((noinline))
static inline __attribute__((always_inline)) void *demo_alloc(size_t size) {
  return malloc(size);
}
static inline __attribute__((always_inline)) void *demo_realloc(void *block, size_t size) {
  return realloc(block, size);
}
static inline __attribute__((always_inline)) void demo_free(void *block) { free(block); }
static void demo_init_heap(void) {}
static unsigned long demo_pid(void) { return (unsigned long)getpid(); }
static void demo_sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0) {
  }
}
#endif

#define FIXED_COUNT 30
#define FIXED_SIZE 168
#define GROWN_COUNT 20
#define GROWN_FROM 100
#define GROWN_TO 200
#define PARTLY_COUNT 30
#define PARTLY_SIZE 100
#define PARTLY_FREED 24
#define SHRUNK_COUNT 4
#define SHRUNK_FROM 400
#define SHRUNK_TO 200

#define ROUND_BLOCKS (FIXED_COUNT + GROWN_COUNT + (PARTLY_COUNT - PARTLY_FREED) + SHRUNK_COUNT)
#define ROUND_BYTES                                                                       \
  (FIXED_COUNT * FIXED_SIZE + GROWN_COUNT * GROWN_TO + (PARTLY_COUNT - PARTLY_FREED) * PARTLY_SIZE + \
   SHRUNK_COUNT * SHRUNK_TO)

/*
 * Every block passes through this volatile pointer so the compiler cannot drop an allocation
 * whose result is unused; it is cleared after each pattern so no leaked block stays reachable.
 */
void *volatile demo_sink;

static void fail(const char *what) {
  fprintf(stderr, "demo: %s failed\n", what);
  exit(3);
}

static void use_block(void *block, size_t size) {
  if (block == NULL) {
    fail("an allocation");
  }
  memset(block, 0xA5, size);
  demo_sink = block;
}

/* 30 blocks of 168 bytes, kept. */
DEMO_EXPORT DEMO_NOINLINE void leak_fixed_blocks(void) {
  for (int i = 0; i < FIXED_COUNT; i++) {
    use_block(demo_alloc(FIXED_SIZE), FIXED_SIZE);
  }
  demo_sink = NULL;
}

/* 20 blocks of 100 bytes, each grown with realloc to 200 bytes and kept. */
DEMO_EXPORT DEMO_NOINLINE void leak_grown_blocks(void) {
  for (int i = 0; i < GROWN_COUNT; i++) {
    void *block = demo_alloc(GROWN_FROM);
    use_block(block, GROWN_FROM);
    void *grown = demo_realloc(block, GROWN_TO);
    use_block(grown, GROWN_TO);
  }
  demo_sink = NULL;
}

/* 30 blocks of 100 bytes, of which 24 are freed again: every fifth block is kept. */
DEMO_EXPORT DEMO_NOINLINE void leak_partly_freed_blocks(void) {
  void *blocks[PARTLY_COUNT];
  for (int i = 0; i < PARTLY_COUNT; i++) {
    blocks[i] = demo_alloc(PARTLY_SIZE);
    use_block(blocks[i], PARTLY_SIZE);
  }
  for (int i = 0; i < PARTLY_COUNT; i++) {
    if (i % 5 != 4) {
      demo_free(blocks[i]);
    }
    blocks[i] = NULL;
  }
  demo_sink = NULL;
}

/* 4 blocks of 400 bytes, each shrunk with realloc to 200 bytes (usually in place) and kept. */
DEMO_EXPORT DEMO_NOINLINE void leak_shrunk_blocks(void) {
  for (int i = 0; i < SHRUNK_COUNT; i++) {
    void *block = demo_alloc(SHRUNK_FROM);
    use_block(block, SHRUNK_FROM);
    void *shrunk = demo_realloc(block, SHRUNK_TO);
    use_block(shrunk, SHRUNK_TO);
  }
  demo_sink = NULL;
}

DEMO_EXPORT DEMO_NOINLINE void run_round(void) {
  leak_fixed_blocks();
  leak_grown_blocks();
  leak_partly_freed_blocks();
  leak_shrunk_blocks();
}

static void usage(void) {
  fprintf(stderr,
          "usage: demo [--rounds N] [--delay-ms MS] [--wait-for-input] [--wait-for-signal]"
          " [--hold]\n"
          "  --rounds N         rounds to run, 0 = until killed (default 0)\n"
          "  --delay-ms MS      pause between rounds in milliseconds (default 1000)\n"
          "  --wait-for-input   read one line from standard input before the first round\n"
          "  --wait-for-signal  wait for SIGUSR1 before the first round (not on Windows)\n"
          "  --hold             after the N rounds (none when N is 0), run one more round per\n"
          "                     line read from standard input; end at the end of the input\n");
  exit(2);
}

static long number_option(const char *name, const char *value) {
  char *end = NULL;
  long n = value ? strtol(value, &end, 10) : -1;
  if (value == NULL || *value == 0 || *end != 0 || n < 0) {
    fprintf(stderr, "demo: %s needs a number >= 0\n", name);
    usage();
  }
  return n;
}

static char stdout_buffer[4096];
/* stdin gets a static buffer too: glibc would malloc one at the first read, during a trace. */
static char stdin_buffer[256];

/* Reads one line of any length from standard input; 0 at the end of the input. */
static int read_line(void) {
  char chunk[64];
  int read_any = 0;
  while (fgets(chunk, sizeof chunk, stdin) != NULL) {
    read_any = 1;
    if (strchr(chunk, '\n') != NULL) {
      return 1;
    }
  }
  return read_any;
}

/*
 * Whether to run round done + 1: the first `rounds` ones (all, when 0 without --hold) with the
 * delay between them, then with --hold one per line of input. main calls run_round from one
 * place only, so every round's blocks have the same stacks.
 */
static int another_round(uint64_t done, long rounds, long delay_ms, int hold) {
  if ((rounds == 0 && !hold) || done < (uint64_t)rounds) {
    if (done > 0 && delay_ms > 0) {
      demo_sleep_ms(delay_ms);
    }
    return 1;
  }
  if (!hold) {
    return 0;
  }
  if (done == (uint64_t)rounds) {
    printf("demo holding: one more round per line of input\n");
    fflush(stdout);
  }
  return read_line();
}

int main(int argc, char **argv) {
  long rounds = 0;
  long delay_ms = 1000;
  int wait_for_input = 0;
  int wait_for_signal = 0;
  int hold = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--rounds") == 0) {
      rounds = number_option("--rounds", i + 1 < argc ? argv[++i] : NULL);
    } else if (strcmp(argv[i], "--delay-ms") == 0) {
      delay_ms = number_option("--delay-ms", i + 1 < argc ? argv[++i] : NULL);
    } else if (strcmp(argv[i], "--wait-for-input") == 0) {
      wait_for_input = 1;
    } else if (strcmp(argv[i], "--wait-for-signal") == 0) {
      wait_for_signal = 1;
    } else if (strcmp(argv[i], "--hold") == 0) {
      hold = 1;
    } else {
      fprintf(stderr, "demo: unknown option %s\n", argv[i]);
      usage();
    }
  }
  /* A static, line-buffered stdout: printing allocates nothing. */
  setvbuf(stdout, stdout_buffer, _IOLBF, sizeof stdout_buffer);
  setvbuf(stdin, stdin_buffer, _IOFBF, sizeof stdin_buffer);
  demo_init_heap();

#ifndef _WIN32
  sigset_t usr1;
  if (wait_for_signal) {
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
  }
#else
  if (wait_for_signal) {
    fprintf(stderr, "demo: --wait-for-signal is not available on Windows; use --wait-for-input\n");
    return 2;
  }
#endif

  printf("demo pid %lu: per round %dx%d (leak_fixed_blocks), %dx%d (leak_grown_blocks),"
         " %dx%d (leak_partly_freed_blocks), %dx%d (leak_shrunk_blocks)"
         " = %d blocks, %d bytes outstanding; rounds %ld, delay %ld ms\n",
         demo_pid(), FIXED_COUNT, FIXED_SIZE, GROWN_COUNT, GROWN_TO, PARTLY_COUNT - PARTLY_FREED,
         PARTLY_SIZE, SHRUNK_COUNT, SHRUNK_TO, ROUND_BLOCKS, ROUND_BYTES, rounds, delay_ms);
  fflush(stdout);

  if (wait_for_input) {
    (void)read_line(); /* End of input also starts the rounds. */
  }
#ifndef _WIN32
  if (wait_for_signal) {
    int received = 0;
    sigwait(&usr1, &received);
  }
#endif

  for (uint64_t round = 1; another_round(round - 1, rounds, delay_ms, hold); round++) {
    run_round();
    printf("round %" PRIu64 ": %" PRIu64 " blocks, %" PRIu64 " bytes outstanding\n", round,
           round * ROUND_BLOCKS, round * ROUND_BYTES);
    fflush(stdout);
  }
  printf("demo done\n");
  fflush(stdout);
  return 0;
}
