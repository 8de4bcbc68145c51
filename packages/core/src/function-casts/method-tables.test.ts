import { describe, expect, it } from 'vitest';
import { checkMethodEntries, checkTypeSlots, expectedParamCount, functionDefinitions, functionSignatures } from './method-tables';

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

// CPython 3.13.5's Modules/_operator.c: a void tp_clear in a PyType_Spec, stored as void * (no cast).
const SLOTS = [
  'static void',
  'methodcaller_clear(methodcallerobject *mc)',
  '{',
  '    Py_CLEAR(mc->name);',
  '}',
  'static int',
  'methodcaller_traverse(methodcallerobject *mc, visitproc visit, void *arg)',
  '{',
  '    return 0;',
  '}',
  'static void methodcaller_dealloc(methodcallerobject *mc) { }',
  'static PyType_Slot methodcaller_type_slots[] = {',
  '    {Py_tp_dealloc, methodcaller_dealloc},',
  '    {Py_tp_traverse, methodcaller_traverse},',
  '    {Py_tp_clear, methodcaller_clear},',
  '    {Py_nb_add, (void *)methodcaller_dealloc},',
  '    {0, NULL}',
  '};',
].join('\n');

describe('type-slot scan', () => {
  it('reads whether a definition returns void, with the return type on the line before', () => {
    expect(functionSignatures(SLOTS).get('methodcaller_clear')).toEqual({ params: 1, returnsVoid: true });
    expect(functionSignatures(SLOTS).get('methodcaller_traverse')).toEqual({ params: 3, returnsVoid: false });
  });
  it('reads void behind macros before it (Cython\'s CYTHON_UNUSED static void, msgpack\'s __releasebuffer__)', () => {
    const cython = 'CYTHON_UNUSED static void __pyx_pw_rb(PyObject *self, Py_buffer *b) {\n}\nstatic void *ptr(int x) {\n}\n';
    expect(functionSignatures(cython).get('__pyx_pw_rb')).toEqual({ params: 2, returnsVoid: true });
    expect(functionSignatures(cython).get('ptr')).toEqual({ params: 1, returnsVoid: false });
  });

  it('reports a slot function that returns or takes otherwise than CPython calls it', () => {
    const found = checkTypeSlots('_operator.c', SLOTS, functionSignatures(SLOTS));
    expect(found.map((f) => `${f.line} ${f.method} ${f.func} ${f.declared}/${f.expected} ${f.returns ?? ''}`)).toEqual([
      '15 Py_tp_clear methodcaller_clear 1/1 void',
      '16 Py_nb_add methodcaller_dealloc 1/2 void',
    ]);
  });
});
