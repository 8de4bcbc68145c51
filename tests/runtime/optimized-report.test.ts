import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIMES, requireModule } from './runtimes';

// test-projects/optimized-report sets [tool.wasi-pystack] optimize = 2: python -OO.
const REACTOR = requireModule('test-projects/optimized-report/dist/optimized-report.wasm');

describe.each(RUNTIMES)('optimized-report (optimize = 2) under $name', (runtime) => {
  const work = mkdtempSync(join(tmpdir(), `optrep-${runtime.name}-`));
  const input = join(work, 'input.csv');
  writeFileSync(input, 'key,value\na,1\nb,-2\na,3\nb,4\n');
  const { results, stderr } = runtime.wadup(REACTOR, join(work, 'sandbox'), [input]);
  const report = results[0]?.rc === 0 ? JSON.parse(results[0].metadata['report.json']) : {};

  it('imports NumPy (numpy.ma included) and pandas and computes with them', () => {
    expect(stderr).toBe('');
    expect(results.map((r) => r.rc)).toEqual([0]);
    expect(report.sums).toEqual({ a: 4, b: 2 });
    expect(report.masked_mean).toBeCloseTo(8 / 3, 12);
  });

  it('runs at sys.flags.optimize 2, without docstrings or asserts anywhere in the bundle', () => {
    expect(report.optimize).toBe(2);
    expect(report.docstrings).toEqual({ project: null, stdlib: null, numpy: null, pandas: null });
    expect(report.assert_raises).toBe(false);
  });
});
