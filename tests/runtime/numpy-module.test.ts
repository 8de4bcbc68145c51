import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmImports } from '@wasi-pystack/linker';
import { differences } from './compare';
import { CONFIGURATIONS } from './configurations';
import { ROOT, RUNTIMES, requireModule } from './runtimes';

const CASES = join(ROOT, 'tests', 'runtime', 'cases');

for (const config of CONFIGURATIONS) {
const MODULE = requireModule(`${config.modules}/python-numpy.wasm`);
const EXPECTED = JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', `numpy-${config.numpy}.json`), 'utf8'));

describe(`${config.modules}/python-numpy.wasm as a file`, () => {
  it('imports only wasi_snapshot_preview1', () => {
    expect([...new Set(wasmImports(MODULE).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
  });

  it("links lapack_lite's LAPACK to BLIS through CBLAS, not to lapack_lite's private f2c BLAS", () => {
    // lapack_lite's objects are shared by numpy.linalg._umath_linalg and numpy.linalg.lapack_lite.
    const archives = ['_umath_linalg', 'lapack_lite'].map((m) => readFileSync(join(ROOT, config.numpyDist, 'lib', `libnumpy.linalg.${m}.a`)).toString('latin1'));
    const routines = ['cblas_dgemm', 'cblas_dtrsm', 'cblas_zherk', 'cblas_sgemv'];
    expect({ privateBlas: archives.some((a) => a.includes('f2c_blas.c')), notCalled: routines.filter((r) => !archives.some((a) => a.includes(r))) })
      .toEqual({ privateBlas: false, notCalled: [] });
  });
});

describe.each(RUNTIMES)(`NumPy ${config.numpy} (${config.name}) under $name`, (runtime) => {
  const work = mkdtempSync(join(tmpdir(), `numpy-${runtime.name}-`));
  const r = runtime.run(MODULE, ['/cases/numpy_cases.py', '/work'], { dirs: [[CASES, '/cases'], [work, '/work']] });
  const result = r.code === 0 ? JSON.parse(r.stdout) : {};

  it('runs the cases without error', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  for (const section of Object.keys(EXPECTED)) {
    it(`matches native NumPy ${config.numpy}: ${section}`, () => {
      expect(differences(result[section], EXPECTED[section], section)).toEqual([]);
    });
  }

  it('has wasm32 platform facts: 32-bit intp, IEEE quad long double', () => {
    expect(result.platform.intp_bits).toBe(32);
    expect(result.platform.longdouble_nmant).toBe(112);
    // Quad precision prints about 34 significant digits (x86-64's 80-bit long double: 20).
    expect(result.platform.longdouble_third).toMatch(/^0\.3{33}\d*$/);
  });

  it('uses BLIS as its BLAS (matmul, dot and the like go through CBLAS)', () => {
    expect(result.platform.blas).toBe('blis');
  });

  it('saves and loads .npy/.npz in a preopened directory', () => {
    expect(result.save_load).toEqual({ equal: true, npz: ['a', 'b'], b: ['x', 'y'] });
    expect(readFileSync(join(work, 'arr.npy')).subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  });
});
}
