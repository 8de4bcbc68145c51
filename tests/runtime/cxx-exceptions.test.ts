// C++ exceptions become Python exceptions (docs/exceptions.md): under memory pressure NumPy's
// pocketfft and pandas' rolling min/max (libc++ containers behind Cython's `except +`) throw
// std::bad_alloc, which reaches Python as MemoryError, and the module carries on. The default module
// (exnref) under wasmtime and Node 22+; the legacy form under every Node and refused by wasmtime
// with the reason; the "none" form still ends with the message naming the exception.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modulePath } from '@wasi-pystack/core';
import { usesExceptionHandling } from '@wasi-pystack/host';
import { ROOT, RUNTIMES, node, requireModule, wasmtime } from './runtimes';

const DEFAULT = requireModule(modulePath('python-pandas'));
const formModule = (form: 'legacy' | 'none') => requireModule(`dist/modules/exceptions-${form}/python-pandas.wasm`);
const CASES: [string, string][] = [[join(ROOT, 'tests', 'runtime', 'cases'), '/cases']];
const CAP = '1GiB';
const GROUPBY = '[71428928571, 71428071429, 71428214286, 71428357143, 71428500000, 71428642857, 71428785714]';
const CARRIES_ON = `carries on: 128 MiB, ${GROUPBY}`;

const pressure = (runtime: typeof wasmtime, module: string, which: 'fft' | 'rolling') =>
  runtime.run(module, ['/cases/memory_pressure_cases.py', which], { dirs: CASES, maxMemory: CAP });

describe.each(RUNTIMES)('the default module (exnref) under $name', (runtime) => {
  it('np.fft.fft that cannot allocate raises MemoryError (pocketfft caught std::bad_alloc), and the module carries on', () => {
    const r = pressure(runtime, DEFAULT, 'fft');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(["fft: MemoryError ''", CARRIES_ON]);
  });

  it("rolling min/max whose deque cannot grow raise MemoryError('std::bad_alloc') through Cython's except +; median raises MemoryError; the module carries on", () => {
    const r = pressure(runtime, DEFAULT, 'rolling');
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(["rolling max: MemoryError 'std::bad_alloc'", "rolling min: MemoryError 'std::bad_alloc'"]);
    expect(lines[2]).toMatch(/^rolling median: MemoryError /);
    expect(lines[3]).toBe(CARRIES_ON);
  });
});

describe('the other forms', () => {
  it('are the same code: every form of the module has its exception handling, but "none"', () => {
    expect(usesExceptionHandling(readFileSync(DEFAULT))).toBe(true);
    expect(usesExceptionHandling(readFileSync(formModule('legacy')))).toBe(true);
    expect(usesExceptionHandling(readFileSync(formModule('none')))).toBe(false);
  });

  it('legacy: Node runs it (MemoryError as with exnref); wasmtime refuses it and says which form it runs', () => {
    const r = pressure(node, formModule('legacy'), 'fft');
    expect(r.stdout.trim().split('\n')).toEqual(["fft: MemoryError ''", CARRIES_ON]);
    const refused = wasmtime.run(formModule('legacy'), ['-c', 'print(1)']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/uses WebAssembly exception handling, and wasmtime [\d.]+ cannot compile it .*legacy_exceptions.*wasmtime 39 and later run the exnref form/s);
  });

  it.each(RUNTIMES)('none under $name: the throw ends the module with the message naming std::bad_alloc', (runtime) => {
    const r = pressure(runtime, formModule('none'), 'fft');
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('carries on');
    expect(r.stderr).toContain('wasi-pystack: a C++ exception of type St9bad_alloc was thrown, but this module was linked with exceptions = "none" (no WebAssembly exception handling); aborting');
  });
});
