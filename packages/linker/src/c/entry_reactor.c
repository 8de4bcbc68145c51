/*
 * A reactor module (exports _initialize and process): hosts that reuse one instance for many inputs
 * call process() once per input. The interpreter is started and the project's entry module imported
 * either at build time, by `wizer.initialize` before the linker snapshots memory (the default: a fresh
 * instance is ready at once), or by the first process() call. Every call runs the entry function. An
 * exception prints its traceback and makes process() return 1 (SystemExit returns its code); the
 * instance stays usable.
 */
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>
#include <wasi/libc-environ.h>
#include "wasi_pystack.h"

extern void __wasm_call_ctors(void);
extern void __wasilibc_reset_preopens(void);
extern char **environ;

static PyObject *entry_function = NULL;
static PyObject *instance_module = NULL;
static int start_failed = 0;
/* Set in the snapshot: this instance's memory was made at build time. */
static int restored_from_snapshot = 0;
static int instance_refreshed = 0;

/*
 * Reactors are linked with -nostartfiles, so this replaces wasi-libc's _initialize, which traps when
 * called a second time. The snapshot calls it before taking the snapshot; on a restored instance the host's
 * call finds the constructors run.
 */
static int constructed = 0;
__attribute__((export_name("_initialize"))) void _initialize(void) {
  if (constructed) return;
  constructed = 1;
  __wasm_call_ctors();
}

/*
 * The snapshot calls a reactor's _initialize itself and leaves it out of its exports; this second
 * name is renamed to _initialize in the snapshot (linker/src/snapshot.ts), so hosts that call it find it, and
 * find it a no-op.
 */
__attribute__((export_name("wasi_pystack_initialize"))) void wasi_pystack_initialize_export(void) { _initialize(); }

static const char instance_source[] = {
#embed "reactor_instance.py" suffix(, 0)
};

static int import_or_report(const char *name) {
  PyObject *module = PyImport_ImportModule(name);
  if (module == NULL) {
    fprintf(stderr, "wasi-pystack: cannot import %s\n", name);
    PyErr_Print();
    return -1;
  }
  Py_DECREF(module);
  return 0;
}

static int start(int for_snapshot) {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  if (for_snapshot) {
    /* The str hash secret is fixed once objects exist: the snapshot's is the build's (see docs). */
    config.use_hash_seed = 1;
    config.hash_seed = wasi_pystack_project()->hash_seed;
  }
  const struct wasi_pystack_project *project = wasi_pystack_project();
  char *argv[] = {(char *)project->entry_module};
  PyStatus status = PyConfig_SetBytesArgv(&config, 1, argv);
  if (!PyStatus_Exception(status)) status = wasi_pystack_initialize(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    fprintf(stderr, "wasi-pystack: interpreter start failed: %s%s%s\n", status.func ? status.func : "",
            status.func ? ": " : "", status.err_msg ? status.err_msg : "");
    return -1;
  }
  PyObject *code = Py_CompileString(instance_source, "<wasi-pystack reactor_instance.py>", Py_file_input);
  if (code != NULL) {
    instance_module = PyImport_ExecCodeModule("_wasi_pystack_instance", code);
    Py_DECREF(code);
  }
  if (instance_module == NULL) {
    PyErr_Print();
    return -1;
  }
  if (import_or_report(project->entry_module) < 0) return -1;
  for (const char *name = project->preimport; *name != '\0'; name += strlen(name) + 1) {
    if (import_or_report(name) < 0) return -1;
  }
  PyObject *module = PyImport_ImportModule(project->entry_module);
  if (module != NULL) {
    entry_function = PyObject_GetAttrString(module, project->entry_function);
    Py_DECREF(module);
  }
  if (entry_function == NULL) {
    fprintf(stderr, "wasi-pystack: %s has no function %s\n", project->entry_module, project->entry_function);
    PyErr_Print();
    return -1;
  }
  return 0;
}

/* The instance's arguments after the module name, from WASI (a reactor has no main to get them). */
static PyObject *instance_arguments(void) {
  PyObject *list = PyList_New(0);
  size_t count = 0, size = 0;
  if (list == NULL || __wasi_args_sizes_get(&count, &size) != 0 || count < 2) return list;
  char **args = calloc(count, sizeof(char *));
  char *buffer = malloc(size);
  if (args != NULL && buffer != NULL && __wasi_args_get((uint8_t **)args, (uint8_t *)buffer) == 0) {
    for (size_t i = 1; i < count; i++) {
      PyObject *arg = PyUnicode_DecodeFSDefault(args[i]);
      if (arg == NULL || PyList_Append(list, arg) < 0) PyErr_Clear();
      Py_XDECREF(arg);
    }
  }
  free(args);
  free(buffer);
  return list;
}

/* The instance's environment as bytes -> bytes, the way os.environ keeps it. */
static PyObject *instance_environ(void) {
  __wasilibc_ensure_environ();
  PyObject *dict = PyDict_New();
  for (char **entry = environ; dict != NULL && entry != NULL && *entry != NULL; entry++) {
    const char *eq = strchr(*entry, '=');
    if (eq == NULL) continue;
    PyObject *key = PyBytes_FromStringAndSize(*entry, eq - *entry);
    PyObject *value = PyBytes_FromString(eq + 1);
    if (key == NULL || value == NULL || PyDict_SetItem(dict, key, value) < 0) PyErr_Clear();
    Py_XDECREF(key);
    Py_XDECREF(value);
  }
  return dict;
}

/* On a restored instance: environment, arguments and random seeds of this instance, not the build's. */
static int refresh_instance(void) {
  instance_refreshed = 1;
  if (!restored_from_snapshot) return 0;
  PyObject *environ_dict = instance_environ();
  PyObject *args = instance_arguments();
  PyObject *result = environ_dict && args ? PyObject_CallMethod(instance_module, "refresh", "OO", environ_dict, args) : NULL;
  Py_XDECREF(environ_dict);
  Py_XDECREF(args);
  if (result == NULL) {
    PyErr_Print();
    return -1;
  }
  Py_DECREF(result);
  return 0;
}

/*
 * Run by the linker's snapshot step (the export keeps Wizer's conventional name) at build time, with no directories, environment or
 * arguments: start the interpreter, import the entry and the preimports, call the project's warm-up,
 * check that no file is left open, then leave wasi-libc ready to read the instance's environment and
 * preopens afresh.
 */
__attribute__((export_name("wizer.initialize"))) void wizer_initialize(void) {
  _initialize();
  if (start(1) < 0) {
    wasi_pystack_flush_std_streams();
    __builtin_trap();
  }
  const struct wasi_pystack_project *project = wasi_pystack_project();
  if (project->warmup_module[0] != '\0') {
    PyObject *module = PyImport_ImportModule(project->warmup_module);
    PyObject *warmed = module ? PyObject_CallMethod(module, project->warmup_function, NULL) : NULL;
    Py_XDECREF(module);
    if (warmed == NULL) {
      fprintf(stderr, "wasi-pystack: warm-up %s:%s failed\n", project->warmup_module, project->warmup_function);
      PyErr_Print();
      wasi_pystack_flush_std_streams();
      __builtin_trap();
    }
    Py_DECREF(warmed);
  }
  PyObject *result = PyObject_CallMethod(instance_module, "check_before_snapshot", NULL);
  if (result == NULL) {
    fprintf(stderr, "wasi-pystack: cannot snapshot\n");
    PyErr_Print();
    wasi_pystack_flush_std_streams();
    __builtin_trap();
  }
  Py_DECREF(result);
  wasi_pystack_flush_std_streams();
  __wasilibc_deinitialize_environ();
  __wasilibc_reset_preopens();
  restored_from_snapshot = 1;
}

/* Turns the pending exception into process()'s return value, printing it unless it is SystemExit. */
static int exit_code_of_exception(void) {
  if (!PyErr_ExceptionMatches(PyExc_SystemExit)) {
    PyErr_Print();
    return 1;
  }
  PyObject *exc = PyErr_GetRaisedException();
  PyObject *code = PyObject_GetAttrString(exc, "code");
  int rc = 1;
  if (code == NULL || code == Py_None) rc = 0;
  else if (PyLong_Check(code)) rc = (int)PyLong_AsLong(code);
  else {
    PyObject_Print(code, stderr, Py_PRINT_RAW);
    fputc('\n', stderr);
  }
  PyErr_Clear();
  Py_XDECREF(code);
  Py_DECREF(exc);
  return rc;
}

__attribute__((export_name("process"))) int process(void) {
  if (entry_function == NULL) {
    if (start_failed || start(0) < 0) {
      start_failed = 1;
      wasi_pystack_flush_std_streams();
      return 2;
    }
  }
  if (!instance_refreshed && refresh_instance() < 0) {
    wasi_pystack_flush_std_streams();
    return 2;
  }
  PyObject *result = PyObject_CallNoArgs(entry_function);
  int rc = 0;
  if (result == NULL) rc = exit_code_of_exception();
  else {
    if (PyLong_Check(result)) rc = (int)PyLong_AsLong(result);
    Py_DECREF(result);
  }
  wasi_pystack_flush_std_streams();
  return rc;
}
