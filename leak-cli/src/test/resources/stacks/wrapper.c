/* Leaks through an allocation wrapper called from two paths at different depths. Built with -O2
 * -fomit-frame-pointer, as distributions build: a frame-pointer walk loses the callers. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) abort();
  memset(p, 0, n);
  return p;
}

__attribute__((noinline)) char *parse_config(int i) {
  char *entry = xmalloc(48);
  entry[0] = (char)i;
  return entry;
}

__attribute__((noinline)) void *copy_block(int i) {
  void *block = xmalloc(200);
  ((char *)block)[1] = (char)i;
  return block;
}

__attribute__((noinline)) void *read_block(int i) {
  void *b = copy_block(i + 1);
  __asm__ volatile("" ::: "memory");
  return b;
}

__attribute__((noinline)) void *load_blocks(int i) {
  void *b = read_block(i * 2);
  __asm__ volatile("" ::: "memory");
  return b;
}

volatile void *sink;
/* volatile: the loops stay loops (one call site each), not three and five peeled calls */
volatile int config_entries = 3, blocks = 5;

int main(void) {
  for (int i = 0; i < config_entries; i++) sink = parse_config(i);
  for (int i = 0; i < blocks; i++) sink = load_blocks(i);
  return 0;
}
