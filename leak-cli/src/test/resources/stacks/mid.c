/* The frame-pointer-less library between two frame-pointer modules. */
void *top_alloc(int n);

__attribute__((noinline)) void *mid_inner(int n) {
  void *p = top_alloc(n * 2);
  __asm__ volatile("" ::: "memory");
  return p;
}

__attribute__((noinline)) void *mid_entry(int n) {
  void *p = mid_inner(n + 8);
  __asm__ volatile("" ::: "memory");
  return p;
}
