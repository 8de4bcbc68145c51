/* A command module (exports _start): behaves like `python` (script, -c, -m, argv, stdin, exit codes). */
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>
#include "wasi_pystack.h"

extern void __wasm_call_ctors(void);
extern void __wasm_call_dtors(void);
extern int __main_void(void);

/*
 * One stack module serves commands and reactors (linked and optimized once, -nostartfiles); the
 * linker keeps this export only in commands. It does what wasi-libc's command start file does:
 * constructors, main with the WASI arguments, destructors (stdio flushed), the exit code. Once per
 * instance.
 */
__attribute__((export_name("_start"))) void wasi_pystack_start(void) {
  static int started = 0;
  if (started) __builtin_trap();
  started = 1;
  __wasm_call_ctors();
  int code = __main_void();
  __wasm_call_dtors();
  if (code != 0) __wasi_proc_exit((__wasi_exitcode_t)code);
}

/* The bundle replaces the computed search path, so PYTHONPATH is added here, as python would. */
static PyStatus add_pythonpath(PyConfig *config) {
  const char *env = getenv("PYTHONPATH");
  if (env == NULL || *env == '\0' || config->isolated || !config->use_environment) return PyStatus_Ok();
  char *copy = strdup(env);
  if (copy == NULL) return PyStatus_NoMemory();
  PyStatus status = PyStatus_Ok();
  for (char *save = NULL, *part = strtok_r(copy, ":", &save); part != NULL; part = strtok_r(NULL, ":", &save)) {
    wchar_t *wide = Py_DecodeLocale(part, NULL);
    if (wide == NULL) {
      status = PyStatus_NoMemory();
      break;
    }
    status = PyWideStringList_Append(&config->module_search_paths, wide);
    PyMem_RawFree(wide);
    if (PyStatus_Exception(status)) break;
  }
  free(copy);
  return status;
}

int main(int argc, char **argv) {
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  PyStatus status = PyConfig_SetBytesArgv(&config, argc, argv);
  if (!PyStatus_Exception(status)) status = add_pythonpath(&config);
  if (!PyStatus_Exception(status)) status = wasi_pystack_initialize(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) Py_ExitStatusException(status);
  return Py_RunMain();
}
