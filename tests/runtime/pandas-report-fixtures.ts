// The pandas-report inputs and what native pandas 2.3.3 computes from them (tests/fixtures/make_pandas_fixtures.py).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { differences } from './compare';
import { ROOT, type WadupResult } from './runtimes';

const FIXTURES = join(ROOT, 'tests', 'fixtures', 'pandas-report');
export const REPORT_INPUTS = readdirSync(FIXTURES).filter((f) => f.endsWith('.csv')).sort().map((f) => join(FIXTURES, f));

/** Every result succeeded and its report.json equals the native one for its input. */
export function expectNativeReports(results: WadupResult[], inputs: string[]): void {
  expect(results).toHaveLength(inputs.length);
  results.forEach((r, i) => {
    expect(r.rc).toBe(0);
    const expected = JSON.parse(readFileSync(inputs[i].replace(/\.csv$/, '.expected.json'), 'utf8'));
    expect(differences(JSON.parse(r.metadata['report.json']), expected, inputs[i].split('/').pop())).toEqual([]);
  });
}
