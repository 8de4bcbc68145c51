/* Shared between the linker's generated tables (wasi_pystack_generated.c) and the runtime glue. */
#ifndef WASI_PYSTACK_H
#define WASI_PYSTACK_H
#include <Python.h>
#include <stddef.h>

extern struct _inittab wasi_pystack_inittab[];

/*
 * What a project adds to a stack module: its bundle and the names its entry needs. The linker places
 * it as data after the module's initial memory, after wasm-opt, so every project on one stack shares
 * one optimized module (docs/build-time.md). project.c reads it.
 */
struct wasi_pystack_project {
  const unsigned char *bundle;
  size_t bundle_size;
  const char *importer_source;
  /* The reactor's entry (empty strings in a command's data). */
  const char *entry_module;
  const char *entry_function;
  /* A function a snapshot calls once at build time, after the imports (empty module name: none). */
  const char *warmup_module;
  const char *warmup_function;
  /* Modules a reactor imports after its entry, before the snapshot: each NUL-terminated, then an
   * empty name. */
  const char *preimport;
  /* The str hash secret of a snapshot (derived from the module's content; never 0); 0 otherwise. */
  unsigned long hash_seed;
  /* sys.flags.optimize: the level the bundle was compiled at (2: no docstrings, which NumPy and
   * pandas accept only when sys.flags.optimize is 2). -O on a command's argv and PYTHONOPTIMIZE add
   * to it. */
  int optimization_level;
};

/* The project's data; a module without it (a stack module the linker did not finish) stops here. */
const struct wasi_pystack_project *wasi_pystack_project(void);

PyObject *PyInit__wasi_bundle(void);
PyStatus wasi_pystack_initialize(PyConfig *config);
void wasi_pystack_flush_std_streams(void);
#endif
