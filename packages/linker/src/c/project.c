/*
 * Reads the project's data, which the linker places at the end of the stack module's initial memory
 * (the address wasm-ld gives __heap_end) and adds pages for (src/project-data.ts writes it; the
 * layout here and there must agree). wasi-libc's malloc takes [__heap_base, __heap_end) first and
 * grows memory past the end of the data, so the data is never handed out.
 *
 * Layout, little-endian: "WPSPRJ01", u32 total size, u32 hash seed, u32 optimization level, then for
 * each field (bundle, importer, entry module, entry function, warm-up module, warm-up function,
 * preimports) a u32 offset from the start and a u32 length; each field is followed by a NUL byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wasi_pystack.h"

extern unsigned char __heap_end;

enum { BUNDLE, IMPORTER, ENTRY_MODULE, ENTRY_FUNCTION, WARMUP_MODULE, WARMUP_FUNCTION, PREIMPORT, FIELD_COUNT };

struct project_header {
  char magic[8];
  uint32_t size;
  uint32_t hash_seed;
  uint32_t optimization_level;
  struct {
    uint32_t offset;
    uint32_t length;
  } fields[FIELD_COUNT];
};

static const char MAGIC[8] = {'W', 'P', 'S', 'P', 'R', 'J', '0', '1'};

static struct wasi_pystack_project project;
static int project_read = 0;

static _Noreturn void no_project(const char *why) {
  fprintf(stderr, "wasi-pystack: this module holds no valid project data (%s): it is a stack module the linker did not finish\n", why);
  fflush(stderr);
  abort();
}

static const char *field(const struct project_header *header, int index) {
  uint32_t offset = header->fields[index].offset, length = header->fields[index].length;
  if (offset > header->size || length >= header->size - offset) no_project("a field lies outside the data");
  const char *start = (const char *)header + offset;
  if (start[length] != '\0') no_project("a field is not NUL-terminated");
  return start;
}

const struct wasi_pystack_project *wasi_pystack_project(void) {
  if (project_read) return &project;
  uintptr_t address = (uintptr_t)&__heap_end;
  size_t memory = (size_t)__builtin_wasm_memory_size(0) * 65536;
  const struct project_header *header = (const struct project_header *)address;
  if (memory < address + sizeof *header) no_project("memory ends where it should begin");
  if (memcmp(header->magic, MAGIC, sizeof MAGIC) != 0) no_project("no marker");
  if (header->size < sizeof *header || header->size > memory - address) no_project("its size exceeds memory");
  if (header->optimization_level > 2) no_project("optimization level above 2");
  project.bundle = (const unsigned char *)field(header, BUNDLE);
  project.bundle_size = header->fields[BUNDLE].length;
  project.importer_source = field(header, IMPORTER);
  project.entry_module = field(header, ENTRY_MODULE);
  project.entry_function = field(header, ENTRY_FUNCTION);
  project.warmup_module = field(header, WARMUP_MODULE);
  project.warmup_function = field(header, WARMUP_FUNCTION);
  project.preimport = field(header, PREIMPORT);
  project.hash_seed = header->hash_seed;
  project.optimization_level = (int)header->optimization_level;
  project_read = 1;
  return &project;
}
