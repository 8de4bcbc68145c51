// NumPy and pandas on real files inside the module, where WASI has no dup() and no memory mappings:
// tofile/fromfile borrow the file's descriptor (numpy-wasi patch 0002); mmap copies the file
// (python-wasi patch 0001), so read-only and copy-on-write mappings work and a writable one raises.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modulePath } from '@wasi-pystack/core';
import { ROOT, RUNTIMES, requireModule } from './runtimes';

const MODULE = requireModule(modulePath('python-pandas'));
const CASES = join(ROOT, 'tests', 'runtime', 'cases');

describe.each(RUNTIMES)('files under $name', (runtime) => {
  const work = mkdtempSync(join(tmpdir(), `files-${runtime.name}-`));
  const r = runtime.run(MODULE, ['/cases/file_cases.py', '/work'], { dirs: [[CASES, '/cases'], [work, '/work']] });
  const out = r.code === 0 ? JSON.parse(r.stdout) : {};

  it('runs without error', () => {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
  it('ndarray.tofile and np.fromfile work on open files, keeping the file position, and on paths', () => {
    expect(out.tofile_fromfile).toEqual({ head: 'HEAD', equal: true, tail: 'TAIL' });
    expect(out.fromfile_path).toBeCloseTo(11 / 7, 15);
    expect(out.fromfile_text).toEqual([0.0, 0.143, 0.286]);
  });
  it('maps files read-only (np.load(mmap_mode="r"), np.memmap "r", mmap.ACCESS_READ)', () => {
    expect(out.load_mmap_r).toEqual({ type: 'memmap', sum: expect.closeTo(66 / 7, 12), writeable: false });
    expect(out.memmap_r).toBeCloseTo(5 / 7, 15);
    expect(out.mmap_read).toEqual(['HEAD', 'TAIL', 104]);
  });
  it('maps copy-on-write ("c"): changes stay in memory', () => {
    expect(out.memmap_c).toEqual({ changed_in_memory: 99, file_unchanged: 0 });
  });
  it('refuses a writable shared mapping with one clear error', () => {
    expect(out.memmap_w).toBe('mmap: WASI cannot map a file for writing (no shared memory mappings); use access=ACCESS_READ, or ACCESS_COPY for a private writable copy');
  });
  it('read_csv(memory_map=True) works', () => {
    expect(out.read_csv_memory_map).toEqual({ a: [1, 2, 3], b: ['x', 'y', 'z'] });
  });
});
