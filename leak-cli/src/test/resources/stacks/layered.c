/* Built with frame pointers; calls into the frame-pointer-less library. */
void *mid_entry(int n);

volatile void *sink;

__attribute__((noinline)) void layered_work(int rounds) {
  for (int i = 0; i < rounds; i++) sink = mid_entry(i);
}

int main(void) {
  layered_work(6);
  return 0;
}
