/*
 * A reactor module (exports _initialize and process): hosts that reuse one instance for many inputs
 * call process() once per input. The first call starts the interpreter and imports the project's
 * entry module; every call runs the entry function. An exception prints its traceback and makes
 * process() return 1 (SystemExit returns its code); the instance stays usable.
 */
#include "wasi_pystack.h"

static PyObject *entry_function = NULL;
static int start_failed = 0;

static int start(void) {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  char *argv[] = {(char *)wasi_pystack_entry_module};
  PyStatus status = PyConfig_SetBytesArgv(&config, 1, argv);
  if (!PyStatus_Exception(status)) status = wasi_pystack_initialize(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    fprintf(stderr, "wasi-pystack: interpreter start failed: %s%s%s\n", status.func ? status.func : "",
            status.func ? ": " : "", status.err_msg ? status.err_msg : "");
    return -1;
  }
  PyObject *module = PyImport_ImportModule(wasi_pystack_entry_module);
  if (module != NULL) {
    entry_function = PyObject_GetAttrString(module, wasi_pystack_entry_function);
    Py_DECREF(module);
  }
  if (entry_function == NULL) {
    PyErr_Print();
    return -1;
  }
  return 0;
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
    if (start_failed || start() < 0) {
      start_failed = 1;
      wasi_pystack_flush_std_streams();
      return 2;
    }
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
