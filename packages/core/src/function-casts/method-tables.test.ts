import { describe, expect, it } from 'vitest';
import { checkMethodEntries, expectedParamCount, functionDefinitions } from './method-tables';

// Shapes from NumPy 2.4.0's multiarraymodule.c / convert_datatype.c and CPython's selectmodule.c.
const SOURCE = [
  'NPY_NO_EXPORT PyObject *',
  '_get_castingimpl(PyObject *NPY_UNUSED(module), PyObject *args)',
  '{',
  '    return NULL;',
  '}',
  'static PyObject *',
  'kqueue_tracking_after_fork(PyObject *module) {',
  '    Py_RETURN_NONE;',
  '}',
  'static PyObject *array_fast(PyObject *self, PyObject *const *args, Py_ssize_t n, PyObject *kw) { return NULL; }',
  'static PyObject *declared_only(PyObject *self);',
  'static PyObject *__pyx_pw_f(PyObject *__pyx_v_self,',
  '#if CYTHON_METH_FASTCALL',
  'PyObject *const *__pyx_args, Py_ssize_t __pyx_nargs, PyObject *__pyx_kwds',
  '#else',
  'PyObject *__pyx_args, PyObject *__pyx_kwds',
  '#endif',
  ') {',
  '}',
  'static PyMethodDef methods[] = {',
  '    {"_get_castingimpl",  (PyCFunction)_get_castingimpl,',
  '        METH_VARARGS | METH_KEYWORDS, NULL},',
  '    {"fast", _PyCFunction_CAST(array_fast), METH_FASTCALL | METH_KEYWORDS, NULL},',
  '    {"declared", (PyCFunction)declared_only, METH_VARARGS | METH_KEYWORDS, NULL},',
  '    {"f", (PyCFunction)(void(*)(void))(__Pyx_PyCFunction_FastCallWithKeywords)__pyx_pw_f, __Pyx_METH_FASTCALL|METH_KEYWORDS, 0},',
  '    {NULL, NULL, 0, NULL}',
  '};',
  'static PyMethodDef kqueue_tracking_after_fork_def = {',
  '    "kqueue_tracking_after_fork", (PyCFunction)kqueue_tracking_after_fork,',
  '    METH_NOARGS, "Invalidate open select.kqueue objects after fork."',
  '};',
].join('\n');

describe('method-table scan', () => {
  it('reads the parameter count of definitions, not of declarations', () => {
    const defs = functionDefinitions(SOURCE);
    expect(defs.get('_get_castingimpl')).toBe(2);
    expect(defs.get('kqueue_tracking_after_fork')).toBe(1);
    expect(defs.get('array_fast')).toBe(4);
    expect(defs.has('declared_only')).toBe(false);
    expect(defs.get('__pyx_pw_f')).toBe(-1);
  });
  it('counts the arguments each calling convention passes', () => {
    expect(expectedParamCount(new Set(['NOARGS']))).toBe(2);
    expect(expectedParamCount(new Set(['VARARGS', 'KEYWORDS']))).toBe(3);
    expect(expectedParamCount(new Set(['FASTCALL', 'KEYWORDS', 'METHOD']))).toBe(5);
  });
  it('reports entries whose function takes another number of arguments, without a cast warning to go by', () => {
    const found = checkMethodEntries('m.c', SOURCE, functionDefinitions(SOURCE));
    expect(found.map((f) => `${f.file}:${f.line} ${f.method} ${f.declared}/${f.expected}`)).toEqual([
      'm.c:21 _get_castingimpl 2/3',
      'm.c:28 kqueue_tracking_after_fork 1/2',
    ]);
  });
});
