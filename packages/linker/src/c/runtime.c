/*
 * wasi-pystack runtime glue: starts CPython with the embedded bundle as its source of modules.
 *
 * Initialization runs in two phases (PEP 587): the "core" phase gives an interpreter with only
 * built-in and frozen modules; there we install the bundle importer (bundle_importer.py, compiled
 * from the project's data, project.c); then the "main" phase imports encodings, io, site ... through
 * it.
 * The host needs to grant no directory for any of this.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include "wasi_pystack.h"

static PyObject *bundle_data(PyObject *self, PyObject *unused) {
  const struct wasi_pystack_project *project = wasi_pystack_project();
  return PyMemoryView_FromMemory((char *)project->bundle, (Py_ssize_t)project->bundle_size, PyBUF_READ);
}

static PyMethodDef bundle_methods[] = {
    {"data", bundle_data, METH_NOARGS, "The embedded archive, as a read-only memoryview."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef bundle_module = {
    PyModuleDef_HEAD_INIT, "_wasi_bundle", "The archive embedded in this WebAssembly module.", -1, bundle_methods,
};

PyObject *PyInit__wasi_bundle(void) { return PyModule_Create(&bundle_module); }

/* Runs the importer's source as module _wasi_bundle_importer and calls its install().
 * PyImport_ExecCodeModule cannot be used here: it needs importlib's external part, which the
 * core phase does not have yet. */
static int install_bundle_importer(void) {
  PyObject *code = Py_CompileString(wasi_pystack_project()->importer_source, "<wasi-pystack bundle_importer.py>", Py_file_input);
  if (code == NULL) return -1;
  PyObject *module = PyImport_AddModuleRef("_wasi_bundle_importer");
  if (module == NULL) {
    Py_DECREF(code);
    return -1;
  }
  PyObject *globals = PyModule_GetDict(module); /* borrowed */
  int rc = -1;
  if (PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0) {
    PyObject *result = PyEval_EvalCode(code, globals, globals);
    if (result != NULL) {
      Py_DECREF(result);
      PyObject *finder = PyObject_CallMethod(module, "install", NULL);
      if (finder != NULL) {
        Py_DECREF(finder);
        rc = 0;
      }
    }
  }
  Py_DECREF(code);
  Py_DECREF(module);
  return rc;
}

PyStatus wasi_pystack_initialize(PyConfig *config) {
  if (PyImport_ExtendInittab(wasi_pystack_inittab) < 0) return PyStatus_NoMemory();
  /* Modules come from the bundle; nothing is searched on disk unless a script's folder is. */
  config->module_search_paths_set = 1;
  config->pathconfig_warnings = 0;
  config->_init_main = 0;
  config->optimization_level = wasi_pystack_project()->optimization_level;
  PyStatus status = Py_InitializeFromConfig(config);
  if (PyStatus_Exception(status)) return status;
  if (install_bundle_importer() < 0) {
    PyErr_Print();
    return PyStatus_Error("wasi-pystack: cannot install the embedded bundle's importer");
  }
  return _Py_InitializeMain();
}

void wasi_pystack_flush_std_streams(void) {
  static const char *names[] = {"stdout", "stderr"};
  for (int i = 0; i < 2; i++) {
    PyObject *stream = PySys_GetObject(names[i]); /* borrowed */
    if (stream == NULL || stream == Py_None) continue;
    PyObject *result = PyObject_CallMethod(stream, "flush", NULL);
    if (result == NULL) PyErr_Clear();
    else Py_DECREF(result);
  }
  fflush(stdout);
  fflush(stderr);
}
