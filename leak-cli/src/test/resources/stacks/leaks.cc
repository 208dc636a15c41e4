// Leaks through new, new[], std::string and std::vector from distinct functions; built with and
// without frame pointers. libstdc++ itself has none.
#include <string>
#include <vector>

struct Node {
  long value[5];
};

volatile void *sink;

__attribute__((noinline)) Node *make_node(int i) {
  Node *n = new Node();
  n->value[0] = i;
  return n;
}

__attribute__((noinline)) int *make_array(int i) {
  int *a = new int[25];
  a[0] = i;
  return a;
}

__attribute__((noinline)) std::string *make_name(int i) {
  // longer than the small-string buffer: the characters are on the heap
  return new std::string(64 + i, 'n');
}

__attribute__((noinline)) std::vector<long> *make_list(int i) {
  auto *v = new std::vector<long>();
  v->reserve(16 + i);
  v->push_back(i);
  return v;
}

namespace store {
struct Registry {
  __attribute__((noinline)) void fill(int rounds);
};

void Registry::fill(int rounds) {
  for (int i = 0; i < rounds; i++) {
    sink = make_node(i);
    sink = make_array(i);
    sink = make_name(i);
    sink = make_list(i);
  }
}
}  // namespace store

int main() {
  store::Registry registry;
  registry.fill(4);
  return 0;
}
