import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireModule } from '../runtime/runtimes';
import { SUITES, countOutcomes, passRate, prepareSite, runDir } from './run-suite';

// CI runs a fixed sample of each package's own test suite; the full runs are documented commands
// whose reports live in docs/test-suites/.
const SAMPLE: Record<string, string[]> = {
  numpy: ['numpy/fft/tests', 'numpy/linalg/tests'],
  pandas: ['pandas/tests/tslibs'],
};

describe.each(Object.keys(SAMPLE))('%s test-suite sample inside WebAssembly', (name) => {
  const suite = SUITES[name];
  requireModule(suite.module);
  const site = prepareSite(suite);
  for (const dir of SAMPLE[name]) {
    it(`${dir}: at least 97 % of the tests that ran pass, nothing crashes`, () => {
      const counts = countOutcomes(runDir(suite, site, mkdtempSync(join(tmpdir(), 'suite-out-')), dir));
      expect(counts.crashed).toBe(0);
      expect(counts.passed).toBeGreaterThan(100);
      expect(passRate(counts)).toBeGreaterThanOrEqual(0.97);
    });
  }
});
