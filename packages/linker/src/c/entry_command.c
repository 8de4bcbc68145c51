/* A command module (exports _start): behaves like `python` (script, -c, -m, argv, stdin, exit codes). */
#include <stdlib.h>
#include <string.h>
#include "wasi_pystack.h"

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
