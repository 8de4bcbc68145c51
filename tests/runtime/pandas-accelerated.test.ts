// pandas with its two accelerators, numexpr and bottleneck, built by core's setuptools builder from
// the packages numexpr-wasi and bottleneck-wasi: the project pins both in its pyproject.toml, and
// nx-plugin adds their steps to its graph. The probe (test-projects/pandas-accelerated) reports which
// paths pandas took and what they computed; the fixture is the same probe run natively with the same
// versions:
//   PYTHONPATH=test-projects/pandas-accelerated/src <venv with numpy 2.4.0, pandas 2.3.3, numexpr
//   2.14.2, bottleneck 1.6.0>/bin/python -m accelerated > tests/fixtures/pandas-accelerated-2.3.3.json
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmImports } from '@wasi-pystack/linker';
import { RUNTIMES, requireModule } from './runtimes';

const MODULE = requireModule('test-projects/pandas-accelerated/dist/pandas-accelerated.wasm');
const NATIVE = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pandas-accelerated-2.3.3.json'), 'utf8'));

describe('pandas-accelerated.wasm as a file', () => {
  it('imports only wasi_snapshot_preview1', () => {
    expect([...new Set(wasmImports(MODULE).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
  });
});

describe.each(RUNTIMES)('pandas with numexpr and bottleneck under $name', (runtime) => {
  it('pandas turns both on and uses them, and computes what native pandas computes', () => {
    const r = runtime.run(MODULE, ['-m', 'accelerated']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.options).toEqual({ 'compute.use_numexpr': true, 'compute.use_bottleneck': true });
    // pandas' own test mode: numexpr for frames above its threshold, not for small ones.
    expect(report.numexpr['large arithmetic used numexpr']).toBe(true);
    expect(report.numexpr['small arithmetic used numexpr']).toBe(false);
    // pandas binds bottleneck's functions in nanops; nanmean stays NumPy's by pandas' choice (GH 42878).
    expect(report['bottleneck bound by pandas']).toEqual({ nanmean: true, nanmedian: true, nanstd: true, nanvar: true });
    expect(report['bottleneck calls']).toEqual(['nanmedian', 'nanstd', 'nanvar']);
    expect(report).toEqual(NATIVE);
  });

  it('runs their C code, built in, on one thread that numexpr never leaves', () => {
    const probe = [
      'import sys, threading, numexpr, bottleneck',
      'import numexpr.interpreter as ne_c, bottleneck.reduce as bn_c',
      'print(all(m in sys.builtin_module_names for m in ("numexpr.interpreter", "bottleneck.reduce", "bottleneck.move", "bottleneck.nonreduce", "bottleneck.nonreduce_axis")))',
      'print(type(ne_c.NumExpr).__name__, type(bn_c.nanmean).__name__)',
      'print(numexpr.set_num_threads(8), numexpr.get_num_threads(), numexpr.detect_number_of_cores(), numexpr.MAX_THREADS)',
      'import numpy as np; x = np.arange(3e6)',
      'print(numexpr.evaluate("sum(x * 2)"), threading.active_count())',
    ].join('\n');
    const r = runtime.run(MODULE, ['-c', probe]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`True\ntype builtin_function_or_method\n1 1 1 1\n${(3e6 * (3e6 - 1)).toFixed(1)} 1\n`);
  });
});
