import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmImports } from '@wasi-pystack/linker';
import { differences } from './compare';
import { ROOT, RUNTIMES, requireModule } from './runtimes';

const REACTOR = requireModule('test-projects/pandas-report/dist/pandas-report.wasm');
const FIXTURES = join(ROOT, 'tests', 'fixtures', 'pandas-report');
const INPUTS = readdirSync(FIXTURES).filter((f) => f.endsWith('.csv')).sort().map((f) => join(FIXTURES, f));

describe('pandas-report.wasm as a file', () => {
  it('imports only wasi_snapshot_preview1', () => {
    expect([...new Set(wasmImports(REACTOR).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
  });
});

describe.each(RUNTIMES)('pandas-report under $name', (runtime) => {
  it('process() on one instance matches native pandas 2.3.3 for every input, twice over', () => {
    const inputs = [...INPUTS, ...INPUTS];
    const { results, stderr } = runtime.wadup(REACTOR, join(mkdtempSync(join(tmpdir(), `pdr-${runtime.name}-`)), 'sandbox'), inputs);
    expect(stderr).toBe('');
    expect(results).toHaveLength(inputs.length);
    results.forEach((r, i) => {
      expect(r.rc).toBe(0);
      const expected = JSON.parse(readFileSync(inputs[i].replace(/\.csv$/, '.expected.json'), 'utf8'));
      expect(differences(JSON.parse(r.metadata['report.json']), expected, inputs[i].split('/').pop())).toEqual([]);
    });
  });
});
