/* Shared between the linker's generated tables (wasi_pystack_generated.c) and the runtime glue. */
#ifndef WASI_PYSTACK_H
#define WASI_PYSTACK_H
#include <Python.h>
#include <stddef.h>

extern struct _inittab wasi_pystack_inittab[];
extern const unsigned char wasi_pystack_bundle[];
extern const size_t wasi_pystack_bundle_size;
extern const char wasi_pystack_importer_source[];
extern const char wasi_pystack_entry_module[];
extern const char wasi_pystack_entry_function[];
/* A function a snapshot calls at build time after the imports (empty module name: none). */
extern const char wasi_pystack_warmup_module[];
extern const char wasi_pystack_warmup_function[];
/* Modules a reactor imports after its entry, before the snapshot (NULL-terminated). */
extern const char *const wasi_pystack_preimport[];
/* The str hash secret of a snapshot (derived from the module's content; never 0). */
extern const unsigned long wasi_pystack_hash_seed;
/* sys.flags.optimize: the level the bundle was compiled at (2: no docstrings, which NumPy and pandas
 * accept only when sys.flags.optimize is 2). -O on a command's argv and PYTHONOPTIMIZE add to it. */
extern const int wasi_pystack_optimization_level;

PyObject *PyInit__wasi_bundle(void);
PyStatus wasi_pystack_initialize(PyConfig *config);
void wasi_pystack_flush_std_streams(void);
#endif
