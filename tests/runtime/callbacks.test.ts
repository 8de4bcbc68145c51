// Calls that reach C through function pointers, where a signature mismatch traps the whole module
// ("indirect call type mismatch"): copies and pickles of every NumPy and pandas scalar, object-dtype
// ufuncs, np.vectorize and frompyfunc, pandas callbacks, and every scalar method called without
// arguments, in each configuration. Expected values come from native NumPy and pandas of the same
// versions (tests/fixtures).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { differences } from './compare';
import { CONFIGURATIONS } from './configurations';
import { ROOT, RUNTIMES, requireModule } from './runtimes';

const CASES = join(ROOT, 'tests', 'runtime', 'cases');
const fixture = (name: string) => JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', name), 'utf8'));

/**
 * Type codes whose C type differs on wasm32, for reasons that have nothing to do with function
 * pointers: `long` and `intp` ('l', 'L', 'n', 'N', 'p', 'P') are 32-bit there, so the canonical
 * 32-bit integer is `long` and `int` ('i', 'I') becomes the alias whose pickle comes back as the
 * canonical type, as `long long` ('q', 'Q') does natively; `long double` ('g', 'G') is IEEE quad.
 * Their values are compared in numpy-module.test.ts; here they must copy without a trap.
 */
const PLATFORM_SIZED = /^[iIlLnNpPqQgG](\.|$)/;
const portable = (o: Record<string, unknown> = {}) => Object.fromEntries(Object.entries(o).filter(([k]) => !PLATFORM_SIZED.test(k)));

function runCases(module: string, file: string, runtime: (typeof RUNTIMES)[number]) {
  const r = runtime.run(module, [`/cases/${file}`], { dirs: [[CASES, '/cases']] });
  return { ...r, result: r.code === 0 ? JSON.parse(r.stdout) : {} };
}

for (const config of CONFIGURATIONS)
for (const [moduleName, withPandas] of [['python-numpy.wasm', false], ['python-pandas.wasm', true]] as const) {
  const module = requireModule(`${config.modules}/${moduleName}`);
  describe.each(RUNTIMES)(`${config.modules}/${moduleName} under $name: NumPy through function pointers`, (runtime) => {
    const expected = fixture(`numpy-callbacks-${config.numpy}.json`);
    const r = runCases(module, 'numpy_callback_cases.py', runtime);

    it('runs to the end (no trap)', () => {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    });
    it('copies, deep-copies and pickles every scalar type as native NumPy does', () => {
      expect(Object.keys(r.result.copy_and_pickle ?? {}).sort()).toEqual(Object.keys(expected.copy_and_pickle).sort());
      expect(differences(portable(r.result.copy_and_pickle), portable(expected.copy_and_pickle), 'copy_and_pickle')).toEqual([]);
      for (const [code, row] of Object.entries(r.result.copy_and_pickle ?? {})) {
        if (PLATFORM_SIZED.test(code)) expect({ code, ...(row as object) }).toMatchObject({ code, copy: true, deepcopy: true, deepcopy_in_dict: true });
      }
    });
    it('runs object-dtype ufuncs, np.vectorize and frompyfunc as native NumPy does', () => {
      expect(differences(r.result.object_callbacks, expected.object_callbacks, 'object_callbacks')).toEqual([]);
    });
    it('gives every scalar method called without arguments the native outcome', () => {
      expect(Object.keys(r.result.method_sweep ?? {}).length).toBeGreaterThan(3000);
      expect(differences(portable(r.result.method_sweep), portable(expected.method_sweep), 'method_sweep')).toEqual([]);
    });
  });

  if (!withPandas) continue;
  describe.each(RUNTIMES)(`${config.modules}/${moduleName} under $name: pandas callbacks`, (runtime) => {
    const expected = fixture(`pandas-callbacks-${config.pandas}.json`);
    const r = runCases(module, 'pandas_callback_cases.py', runtime);

    it('runs to the end (no trap)', () => {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    });
    it('apply, agg, rolling().apply, sort_values(key=...) and friends match native pandas', () => {
      expect(differences(r.result.callbacks, expected.callbacks, 'callbacks', 1e-9)).toEqual([]);
    });
    it('copies and pickles pandas scalars and frames as native pandas does', () => {
      expect(differences(r.result.scalars, expected.scalars, 'scalars')).toEqual([]);
    });
  });
}
