/*
 * What a libdw (elfutils) binding would do per address, for comparison with the pure-Java
 * DwarfInfo: the line (dwfl_module_getsrc + dwfl_lineinfo) and the chain of inlined functions
 * with each function's name and each call site's file, found as eu-addr2line -i finds them:
 * dwfl_module_addrdie, dwarf_getscopes for the innermost scope, then dwarf_getscopes_die on it
 * for the concrete scopes around it (dwarf_getscopes alone follows an inlined function's abstract
 * definition, not its callers).
 * Two passes over the addresses (the second with libdw's caches warm), then the process's peak RSS.
 *
 * Built by bench/dwarf.sh against the installed libdw.so.1; the few declarations it needs are
 * written here (elfutils' ABI), so libdw-dev is not needed.
 *
 * Usage: libdw_lookup FILE ADDRESSES   (ADDRESSES: one hex address per line)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct Dwfl Dwfl;
typedef struct Dwfl_Module Dwfl_Module;
typedef struct Dwfl_Line Dwfl_Line;
typedef struct Dwarf_Files Dwarf_Files;
typedef uint64_t Dwarf_Addr;
typedef uint64_t Dwarf_Word;
typedef struct { void *addr; void *cu; void *abbrev; long padding; } Dwarf_Die;
typedef struct { unsigned int code; unsigned int form; unsigned char *valp; void *cu; } Dwarf_Attribute;
typedef struct { void *find_elf, *find_debuginfo, *section_address; char **debuginfo_path; } Dwfl_Callbacks;

extern int dwfl_build_id_find_elf(), dwfl_standard_find_debuginfo(), dwfl_offline_section_address();
Dwfl *dwfl_begin(const Dwfl_Callbacks *);
void dwfl_report_begin(Dwfl *);
Dwfl_Module *dwfl_report_offline(Dwfl *, const char *, const char *, int);
int dwfl_report_end(Dwfl *, void *, void *);
void *dwfl_module_getdwarf(Dwfl_Module *, Dwarf_Addr *);
Dwarf_Die *dwfl_module_addrdie(Dwfl_Module *, Dwarf_Addr, Dwarf_Addr *);
Dwfl_Line *dwfl_module_getsrc(Dwfl_Module *, Dwarf_Addr);
const char *dwfl_lineinfo(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *, Dwarf_Word *);
int dwarf_getscopes(Dwarf_Die *, Dwarf_Addr, Dwarf_Die **);
int dwarf_getscopes_die(Dwarf_Die *, Dwarf_Die **);
int dwarf_tag(Dwarf_Die *);
const char *dwarf_diename(Dwarf_Die *);
Dwarf_Attribute *dwarf_attr_integrate(Dwarf_Die *, unsigned int, Dwarf_Attribute *);
Dwarf_Attribute *dwarf_attr(Dwarf_Die *, unsigned int, Dwarf_Attribute *);
const char *dwarf_formstring(Dwarf_Attribute *);
int dwarf_formudata(Dwarf_Attribute *, Dwarf_Word *);
int dwarf_getsrcfiles(Dwarf_Die *, Dwarf_Files **, size_t *);
const char *dwarf_filesrc(Dwarf_Files *, size_t, Dwarf_Word *, Dwarf_Word *);

enum { TAG_INLINED = 0x1d, TAG_SUBPROGRAM = 0x2e, AT_CALL_FILE = 0x58, AT_CALL_LINE = 0x59,
       AT_LINKAGE_NAME = 0x6e };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static const char *function_name(Dwarf_Die *die) {
  Dwarf_Attribute attribute;
  const char *name = dwarf_formstring(dwarf_attr_integrate(die, AT_LINKAGE_NAME, &attribute));
  return name ? name : dwarf_diename(die);
}

/*
 * One lookup of a file address: returns the number of frames found (inlined functions + the
 * function). libdw places an offline shared object at a base of its choosing (bias).
 */
static Dwarf_Addr module_bias;
static long lines;

static int lookup(Dwfl_Module *module, Dwarf_Addr file_address) {
  Dwarf_Addr address = file_address + module_bias;
  Dwarf_Addr bias = 0, at = address;
  int line = 0, frames = 0;
  Dwfl_Line *row = dwfl_module_getsrc(module, address);
  if (row) (void) dwfl_lineinfo(row, &at, &line, NULL, NULL, NULL);
  lines += line != 0;
  Dwarf_Die *unit = dwfl_module_addrdie(module, address, &bias);
  if (!unit) return 0;
  Dwarf_Die *scopes = NULL;
  if (dwarf_getscopes(unit, address - bias, &scopes) <= 0) {
    free(scopes);
    return 0;
  }
  Dwarf_Die innermost = scopes[0];
  free(scopes);
  scopes = NULL;
  int count = dwarf_getscopes_die(&innermost, &scopes);
  Dwarf_Files *files = NULL;
  size_t file_count = 0;
  for (int i = 0; i < count; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag != TAG_INLINED && tag != TAG_SUBPROGRAM) continue;
    (void) function_name(&scopes[i]);
    frames++;
    if (tag == TAG_SUBPROGRAM) break;
    Dwarf_Attribute attribute;
    Dwarf_Word call_file = 0, call_line = 0;
    dwarf_formudata(dwarf_attr(&scopes[i], AT_CALL_FILE, &attribute), &call_file);
    dwarf_formudata(dwarf_attr(&scopes[i], AT_CALL_LINE, &attribute), &call_line);
    if (!files) dwarf_getsrcfiles(unit, &files, &file_count);
    if (files && call_file < file_count) (void) dwarf_filesrc(files, call_file, NULL, NULL);
  }
  free(scopes);
  return frames;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FILE ADDRESSES\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[2], "r");
  if (!in) { perror(argv[2]); return 1; }
  size_t n = 0, capacity = 1 << 16;
  Dwarf_Addr *addresses = malloc(capacity * sizeof *addresses);
  char text[64];
  while (fgets(text, sizeof text, in)) {
    if (n == capacity) addresses = realloc(addresses, (capacity *= 2) * sizeof *addresses);
    addresses[n++] = strtoull(text, NULL, 16);
  }
  static char *debuginfo_path = NULL;
  Dwfl_Callbacks callbacks = { dwfl_build_id_find_elf, dwfl_standard_find_debuginfo,
                               dwfl_offline_section_address, &debuginfo_path };
  Dwfl *dwfl = dwfl_begin(&callbacks);
  dwfl_report_begin(dwfl);
  Dwfl_Module *module = dwfl_report_offline(dwfl, "", argv[1], -1);
  dwfl_report_end(dwfl, NULL, NULL);
  if (!module || !dwfl_module_getdwarf(module, &module_bias)) {
    fprintf(stderr, "libdw cannot open %s\n", argv[1]);
    return 1;
  }
  long frames = 0;
  double t0 = now();
  for (size_t i = 0; i < n; i++) frames += lookup(module, addresses[i]);
  double t1 = now();
  for (size_t i = 0; i < n; i++) lookup(module, addresses[i]);
  double t2 = now();
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("libdw: first pass %zu lookups %.0f ms (%.1f us each), %ld frames, %ld lines; second"
         " pass %.1f us each; peak RSS %.1f MB\n", n, (t1 - t0) * 1e3, (t1 - t0) * 1e6 / n,
         frames, lines / 2, (t2 - t1) * 1e6 / n, usage.ru_maxrss / 1024.0);
  return 0;
}
