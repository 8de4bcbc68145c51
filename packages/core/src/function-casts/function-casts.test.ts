import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditFunctionCasts } from './audit';
import { classifyCast, methodFlagsAt, parseFunctionCasts } from './cast-warnings';
import { formatSignature, functionPointerSignature } from './wasm-signature';

const sig = (t: string) => {
  const s = functionPointerSignature(t);
  return s && formatSignature(s);
};

describe('functionPointerSignature', () => {
  it('lowers pointers, integers and floating point as wasm32 does', () => {
    expect(sig('struct _object *(*)(struct _object *, struct _object *)')).toBe('(i32,i32)->(i32)');
    expect(sig('void (*)(void)')).toBe('()->()');
    expect(sig('int (*)(long long, double, float, unsigned long)')).toBe('(i64,f64,f32,i32)->(i32)');
    expect(sig('long double (*)(const char *, ...)')).toBe('(i32,i32)->(i64,i64)');
    expect(sig('void (*)(char **, const long *, void (*)(int))')).toBe('(i32,i32,i32)->()');
    expect(sig('enum NPY_CASTING (*)(struct _PyArrayMethodObject *, enum NPY_ORDER)')).toBe('(i32,i32)->(i32)');
  });
  it('keeps by-value aggregates and unknown typedefs opaque rather than guess', () => {
    expect(sig('void (*)(struct point)')).toBe('(?struct point)->()');
    expect(sig('PySendResult (*)(PyGenObject *, double _Complex)')).toBe('(i32,?double _Complex)->(?PySendResult)');
  });
});

// Real clang-19 output (cast warnings from a NumPy build), trimmed to three casts.
const LOG = [
  "../src/numpy/_core/src/multiarray/scalartypes.c.src:2642:9: warning: cast from 'PyObject *(*)(PyObject *)' (aka 'struct _object *(*)(struct _object *)') to 'PyCFunction' (aka 'struct _object *(*)(struct _object *, struct _object *)') converts to incompatible function type [-Wcast-function-type-strict]",
  "../src/numpy/_core/src/multiarray/scalartypes.c.src:2642:9: warning: cast from 'PyObject *(*)(PyObject *)' (aka 'struct _object *(*)(struct _object *)') to 'PyCFunction' (aka 'struct _object *(*)(struct _object *, struct _object *)') converts to incompatible function type [-Wcast-function-type-strict]",
  "/w/src/numpy/_core/src/multiarray/methods.c:10:5: warning: cast from 'PyObject *(*)(PyArrayObject *, PyObject *const *, Py_ssize_t, PyObject *)' (aka 'struct _object *(*)(struct tagPyArrayObject *, struct _object *const *, long, struct _object *)') to 'PyCFunction' (aka 'struct _object *(*)(struct _object *, struct _object *)') converts to incompatible function type [-Wcast-function-type-strict]",
  "/w/src/numpy/_core/src/multiarray/iterators.c:7:3: warning: cast from 'void (*)(PyArrayIterObject *)' (aka 'void (*)(struct PyArrayIterObject_tag *)') to 'destructor' (aka 'void (*)(struct _object *)') converts to incompatible function type [-Wcast-function-type-strict]",
  "/w/src/numpy/_core/src/umath/x.c:3:3: warning: cast from 'int (*)(struct _object *, long long)' to 'void (*)(void)' converts to incompatible function type [-Wcast-function-type-strict]",
].join('\n');

describe('parseFunctionCasts and classifyCast', () => {
  const casts = parseFunctionCasts(LOG, { buildDir: '/w/build', sourceRoots: ['/w/src'] }).map((c) => classifyCast(c));
  it('reads warnings with colour codes (meson asks compilers for them)', () => {
    const coloured = "\x1b[1m/w/src/a.c:3:5: \x1b[0m\x1b[0;1;35mwarning: \x1b[0m\x1b[1mcast from 'void (*)(int)' to 'void (*)(long long)' converts to incompatible function type [-Wcast-function-type-strict]\x1b[0m";
    expect(parseFunctionCasts(coloured, { sourceRoots: ['/w/src'] }).map((c) => classifyCast(c).kind)).toEqual(['mismatch']);
  });
  it('reads each cast once, with paths relative to the source root', () => {
    expect(casts.map((c) => `${c.file}:${c.line} ${c.kind}`)).toEqual([
      'numpy/_core/src/multiarray/iterators.c:7 compatible',
      'numpy/_core/src/multiarray/methods.c:10 method',
      'numpy/_core/src/multiarray/scalartypes.c.src:2642 mismatch',
      'numpy/_core/src/umath/x.c:3 erased',
    ]);
  });
});

describe('casts whose types cannot be fully lowered', () => {
  const c = (from: string, to: string) => classifyCast({ file: 'g.c', line: 1, column: 1, from, to }).kind;
  it('are compatible when the unknown parts are the same C type, and need review otherwise', () => {
    expect(c('PySendResult (*)(PyGenObject *, struct _object *)', 'PySendResult (*)(struct _object *, struct _object *)')).toBe('compatible');
    expect(c('struct pair (*)(int)', 'struct other (*)(int)')).toBe('unknown');
  });
});

describe('macro-expanded method-table entries', () => {
  const log = [
    "/w/src/Objects/dictobject.c:4687:5: warning: cast from 'PyObject *(*)(PyDictObject *, PyObject *)' (aka 'struct _object *(*)(PyDictObject *, struct _object *)') to 'PyCFunction' (aka 'struct _object *(*)(struct _object *, struct _object *)') converts to incompatible function type [-Wcast-function-type-strict]",
    ' 4687 |     DICT_KEYS_METHODDEF',
    '      |     ^~~~~~~~~~~~~~~~~~~',
    "/w/src/Objects/clinic/dictobject.c.h:269:14: note: expanded from macro 'DICT_KEYS_METHODDEF'",
    '  269 |     {"keys", (PyCFunction)dict_keys, METH_NOARGS, dict_keys__doc__},',
  ].join('\n');
  const files: Record<string, string> = {
    'Objects/dictobject.c': ['', ...Array(4685).fill(''), '    DICT_KEYS_METHODDEF', '    {"update", _PyCFunction_CAST(dict_update), METH_VARARGS | METH_KEYWORDS,', '     update__doc__},'].join('\n'),
    'Objects/clinic/dictobject.c.h': [...Array(268).fill(''), '    {"keys", (PyCFunction)dict_keys, METH_NOARGS, dict_keys__doc__},'].join('\n'),
  };
  it('through nested macros (_PyCFunction_CAST inside a clinic macro) find the entry\'s flags', () => {
    const nested = [
      "/w/src/Modules/_elementtree.c:4368:5: warning: cast from 'PyObject *(*)(PyObject *, PyObject *const *, Py_ssize_t)' (aka 'struct _object *(*)(struct _object *, struct _object *const *, long)') to 'void (*)(void)' converts to incompatible function type [-Wcast-function-type-strict]",
      " 4368 |     _ELEMENTTREE__SET_FACTORIES_METHODDEF",
      "/w/src/Modules/clinic/_elementtree.c.h:944:24: note: expanded from macro '_ELEMENTTREE__SET_FACTORIES_METHODDEF'",
      "  944 |     {\"_set_factories\", _PyCFunction_CAST(_elementtree__set_factories), METH_FASTCALL, doc},",
      "/w/src/Include/methodobject.h:53:27: note: expanded from macro '_PyCFunction_CAST'",
      "/w/src/Include/pyport.h:19:31: note: expanded from macro '_Py_CAST'",
    ].join('\n');
    const texts: Record<string, string> = {
      'Modules/_elementtree.c': [...Array(4367).fill(''), '    _ELEMENTTREE__SET_FACTORIES_METHODDEF', '    {NULL, NULL}'].join('\n'),
      'Modules/clinic/_elementtree.c.h': [...Array(943).fill(''), '    {"_set_factories", _PyCFunction_CAST(_elementtree__set_factories), METH_FASTCALL, doc},'].join('\n'),
      'Include/methodobject.h': '',
      'Include/pyport.h': '',
    };
    const [cast] = parseFunctionCasts(nested, { sourceRoots: ['/w/src'] });
    expect(cast.expansions?.map((e) => e.file)).toEqual(['Modules/clinic/_elementtree.c.h', 'Include/methodobject.h', 'Include/pyport.h']);
    expect(classifyCast(cast, (f) => texts[f])).toMatchObject({ kind: 'method', flags: ['FASTCALL'] });
  });
  it('take their flags from where the macro spells the cast, not from the next entry', () => {
    const [cast] = parseFunctionCasts(log, { sourceRoots: ['/w/src'] });
    expect(cast.expansions).toEqual([{ file: 'Objects/clinic/dictobject.c.h', line: 269, column: 14 }]);
    expect(classifyCast(cast, (f) => files[f])).toMatchObject({ kind: 'method', flags: ['NOARGS'] });
  });
});

describe('method-table entries are checked against their METH_* flags', () => {
  const source = [
    'static PyMethodDef methods[] = {',
    '    {"__copy__",',
    '        (PyCFunction)gentype___copy__,',
    '        METH_NOARGS, NULL},',
    '    {"reduce", (PyCFunction)f3, METH_VARARGS, NULL},',
    '    {"kw", (PyCFunction)(void(*)(void))f3, METH_VARARGS | METH_KEYWORDS, NULL},',
    '    {"fast", (PyCFunction)(void(*)(void))(__Pyx_PyCFunction_FastCallWithKeywords)f4, __Pyx_METH_FASTCALL|METH_KEYWORDS, 0},',
    '};',
  ].join('\n');
  const cast = (line: number, column: number, from: string, to = 'struct _object *(*)(struct _object *, struct _object *)') =>
    classifyCast({ file: 'm.c', line, column, from, to }, () => source);
  const O1 = 'struct _object *(*)(struct _object *)';
  const O3 = 'struct _object *(*)(struct _object *, struct _object *, struct _object *)';
  const FASTKW = 'struct _object *(*)(struct _object *, struct _object *const *, long, struct _object *)';
  it('finds the flags of a multi-line entry, and Cython\'s __Pyx_METH_FASTCALL', () => {
    expect(methodFlagsAt(source, 3, 9)).toEqual(new Set(['NOARGS']));
    expect(methodFlagsAt(source, 7, 16)).toEqual(new Set(['FASTCALL', 'KEYWORDS']));
    expect(methodFlagsAt('x = (destructor)f;', 1, 5)).toBeUndefined();
  });
  it('a METH_NOARGS function without the unused argument traps', () => {
    expect(cast(3, 9, O1)).toMatchObject({ kind: 'mismatch', fromWasm: '(i32)->(i32)', toWasm: '(i32,i32)->(i32)', flags: ['NOARGS'] });
  });
  it('a (self, args, kwargs) function flagged METH_VARARGS alone traps', () => {
    expect(cast(5, 16, O3)).toMatchObject({ kind: 'mismatch', toWasm: '(i32,i32)->(i32)' });
  });
  it('C++ spells PyCFunction without "struct": the flags decide there too (numexpr\'s NumExpr.run)', () => {
    const cxx = (from: string) => classifyCast({ file: 'm.cpp', line: 6, column: 16, from, to: '_object *(*)(_object *, _object *)' }, () => source);
    expect(cxx('_object *(*)(NumExprObject *, _object *, _object *)')).toMatchObject({ kind: 'method', flags: ['KEYWORDS', 'VARARGS'] });
    expect(cxx('_object *(*)(_object *)')).toMatchObject({ kind: 'mismatch' });
  });
  it('the flags decide also behind void (*)(void)', () => {
    expect(cast(6, 31, O3, 'void (*)(void)')).toMatchObject({ kind: 'method', flags: ['KEYWORDS', 'VARARGS'] });
    expect(cast(7, 33, FASTKW, 'void (*)(void)')).toMatchObject({ kind: 'method', toWasm: '(i32,i32,i32,i32)->(i32)' });
    expect(cast(6, 17, 'void (*)(void)')).toMatchObject({ kind: 'erased' });
  });
});

describe('auditFunctionCasts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'casts-'));
  it('fails on a mismatch that is neither fixed nor reviewed, naming it and the fix', () => {
    expect(() => auditFunctionCasts({ log: LOG, paths: { buildDir: '/w/build', sourceRoots: ['/w/src'] }, what: 'NumPy 2.4.0' })).toThrow(
      [
        'NumPy 2.4.0: 1 function-pointer cast(s) would trap on wasm (indirect call type mismatch)',
        "  numpy/_core/src/multiarray/scalartypes.c.src:2642:9  mismatch: struct _object *(*)(struct _object *) (i32)->(i32) -> struct _object *(*)(struct _object *, struct _object *) (i32,i32)->(i32)",
        "Fix: give each function the signature of the pointer it is called through (a patch with its reason), or, if a call through that type never happens, add '<file>:<line>:<column>  # <reason>' to the step's function-casts.allow; remove stale entries",
      ].join('\n'),
    );
  });
  it('accepts a reviewed entry and rejects a stale one', () => {
    const allowList = join(dir, 'function-casts.allow');
    writeFileSync(allowList, '# reviewed\nnumpy/_core/src/multiarray/scalartypes.c.src:2642:9  # cast back before use\n');
    const audit = auditFunctionCasts({ log: LOG, paths: { buildDir: '/w/build', sourceRoots: ['/w/src'] }, allowList, what: 'NumPy' });
    expect(audit.counts).toEqual({ compatible: 1, erased: 1, method: 1, mismatch: 1, unknown: 0 });
    expect(audit.casts.find((c) => c.kind === 'mismatch')?.allowed).toBe('cast back before use');
    writeFileSync(allowList, 'numpy/gone.c:1:1  # fixed long ago\nnumpy/_core/src/multiarray/scalartypes.c.src:2642:9  # x\n');
    expect(() => auditFunctionCasts({ log: LOG, paths: { buildDir: '/w/build', sourceRoots: ['/w/src'] }, allowList, what: 'NumPy' })).toThrow(/1 allow-list entry matches no cast[\s\S]*stale allow-list entry: numpy\/gone.c:1:1/);
  });
});
