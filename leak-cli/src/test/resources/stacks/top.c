/* Built with frame pointers: the module that calls malloc. */
#include <stdlib.h>

__attribute__((noinline)) void *top_alloc(int n) {
  void *p = malloc(n);
  __asm__ volatile("" ::: "memory");
  return p;
}
