import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmImports } from '@wasi-pystack/linker';
import { expectNativeReports, REPORT_INPUTS } from './pandas-report-fixtures';
import { RUNTIMES, requireModule } from './runtimes';

const REACTOR = requireModule('test-projects/pandas-report/dist/pandas-report.wasm');

describe('pandas-report.wasm as a file', () => {
  it('imports only wasi_snapshot_preview1', () => {
    expect([...new Set(wasmImports(REACTOR).map((i) => i.module))]).toEqual(['wasi_snapshot_preview1']);
  });
});

describe.each(RUNTIMES)('pandas-report under $name', (runtime) => {
  it('process() on one instance matches native pandas 2.3.3 for every input, twice over', () => {
    const inputs = [...REPORT_INPUTS, ...REPORT_INPUTS];
    const { results, stderr } = runtime.wadup(REACTOR, join(mkdtempSync(join(tmpdir(), `pdr-${runtime.name}-`)), 'sandbox'), inputs);
    expect(stderr).toBe('');
    expectNativeReports(results, inputs);
  });
});
