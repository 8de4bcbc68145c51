import { describe, expect, it } from 'vitest';
import { normalizeCompileCommand, planCollisions, type Unit } from './collisions';

const cc = (src: string, target: string, ...flags: string[]) => ['cc', ...flags, `-I${target}.p`, '-MD', '-MQ', `${target}.p/x.o`, '-MF', `${target}.p/x.o.d`, '-o', `${target}.p/x.o`, '-c', src];

function unit(name: string, kind: Unit['kind'], objects: [string, string[], string[]][]): Unit {
  return {
    name,
    kind,
    objects: objects.map(([path, command]) => ({ path, command })),
    symbols: new Map(objects.map(([path, , syms]) => [path, new Set(syms)])),
  };
}

describe('normalizeCompileCommand', () => {
  it('ignores outputs, dependency files and target-private folders', () => {
    expect(normalizeCompileCommand(cc('../f2c.c', 'a', '-O2'))).toBe(normalizeCompileCommand(cc('../f2c.c', 'b', '-O2')));
    expect(normalizeCompileCommand(cc('../d.c', 'a'))).not.toBe(normalizeCompileCommand(cc('../d.c', 'b', '-DNP_RANDOM_LEGACY=1')));
  });

  it('keeps generated sources of different modules apart', () => {
    const common = cc('numpy/random/_common.so.p/numpy/random/_common.pyx.c', 'numpy/random/_common.so');
    const generator = cc('numpy/random/_generator.so.p/numpy/random/_generator.pyx.c', 'numpy/random/_generator.so');
    expect(normalizeCompileCommand(common)).not.toBe(normalizeCompileCommand(generator));
  });
});

describe('planCollisions', () => {
  it('drops an object compiled the same way for a second module', () => {
    const plan = planCollisions([
      unit('lapack_lite', 'module', [['a.p/f2c.o', cc('../f2c.c', 'a'), ['sgemm_']]]),
      unit('_umath_linalg', 'module', [['b.p/f2c.o', cc('../f2c.c', 'b'), ['sgemm_']], ['b.p/umath.o', cc('../umath.c', 'b'), ['PyInit__umath_linalg']]]),
    ]);
    expect(plan.dropped).toEqual(new Map([['_umath_linalg', ['b.p/f2c.o']]]));
    expect(plan.renames.size).toBe(0);
  });

  it("renames a module's own differently compiled copies, never the library's", () => {
    const plan = planCollisions([
      unit('libnpyrandom.a', 'library', [['r.p/d.o', cc('../d.c', 'r'), ['random_binomial', 'random_gamma']]]),
      unit('mtrand', 'module', [['m.p/d.o', cc('../d.c', 'm', '-DNP_RANDOM_LEGACY=1'), ['random_binomial', 'random_gamma']], ['m.p/mt.o', cc('mt.c', 'm'), ['PyInit_mtrand']]]),
    ]);
    expect(plan.dropped.size).toBe(0);
    expect(plan.renames).toEqual(new Map([['mtrand', ['random_binomial', 'random_gamma']]]));
  });

  it('has a module whose shared object was dropped call the renamed symbols of the module that kept it', () => {
    // NumPy with BLIS: _umath_linalg keeps lapack_lite's f2c objects and renames what BLIS defines too
    // (xerbla_); lapack_lite's own calls to xerbla_ must reach that copy, not BLIS's.
    const plan = planCollisions([
      unit('libblis.a', 'library', [['libblis.a', [], ['xerbla_', 'dgemm_']]]),
      unit('_umath_linalg', 'module', [['b.p/xerbla.o', cc('../xerbla.c', 'b'), ['xerbla_']], ['b.p/f2c_blas.o', cc('../f2c_blas.c', 'b'), ['dgemm_', 'lsame_']]]),
      unit('lapack_lite', 'module', [['a.p/xerbla.o', cc('../xerbla.c', 'a'), ['xerbla_']], ['a.p/module.o', cc('../module.c', 'a'), ['PyInit_lapack_lite']]]),
    ]);
    expect(plan.dropped).toEqual(new Map([['lapack_lite', ['a.p/xerbla.o']]]));
    expect(plan.renames).toEqual(new Map([['_umath_linalg', ['xerbla_', 'dgemm_']]]));
    expect(plan.borrowed).toEqual(new Map([['lapack_lite', { xerbla_: '_umath_linalg__xerbla_' }]]));
  });

  it('refuses a clash between two static libraries', () => {
    expect(() =>
      planCollisions([unit('liba.a', 'library', [['a.o', cc('a.c', 'x'), ['dup']]]), unit('libb.a', 'library', [['b.o', cc('b.c', 'y'), ['dup']]])]),
    ).toThrowError('1 symbol(s) are defined by two static libraries\n  dup: liba.a and libb.a\nFix: rename them in one library (see packages/core/src/cross/collisions.ts)');
  });
});
