// A module's maximum memory (the linker's maxMemory, [tool.wasi-pystack] max-memory): the engine
// refuses to grow memory past it, so Python gets MemoryError and the instance carries on.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modulePath, stepOutputDir } from '@wasi-pystack/core';
import { finishModule, link, maxMemoryPages, setMemoryMaximum } from '@wasi-pystack/linker';
import { ROOT, RUNTIMES, requireModule } from './runtimes';

const PYTHON = requireModule(modulePath('python'));
const CAP_MIB = 256;

/** The python module with the cap set as finishModule sets it. */
function cappedPython(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'memory-cap-')), 'python-256MiB.wasm');
  writeFileSync(file, setMemoryMaximum(readFileSync(PYTHON), maxMemoryPages(`${CAP_MIB}MiB`)!));
  return file;
}

describe('maxMemory', () => {
  it('reads sizes with units, rounds up to pages, and names a bad one', () => {
    expect(maxMemoryPages('512MiB')).toBe(8192);
    expect(maxMemoryPages(65537)).toBe(2);
    expect(maxMemoryPages(undefined)).toBeUndefined();
    expect(() => maxMemoryPages('5 GB')).toThrow("maxMemory '5 GB' is not a memory size of wasm32");
    expect(() => finishModule(readFileSync(PYTHON), 'command', { bundle: Buffer.alloc(0), importerSource: '', preimport: [], optimizationLevel: 0, hashSeed: 0 }, '64KiB')).toThrow(/maxMemory 64KiB: a maximum of 1 pages \(64 KiB\) is below the module's initial memory/);
  });
});

describe('a snapshotted reactor', () => {
  it('keeps the cap through the build-time snapshot', async () => {
    requireModule('test-projects/hello/dist/bundle/bundle.bin');
    const output = join(mkdtempSync(join(tmpdir(), 'memory-cap-')), 'hello-256MiB.wasm');
    await link({ workspaceRoot: ROOT, inputs: [join(ROOT, stepOutputDir('python-wasi'))], bundle: join(ROOT, 'test-projects/hello/dist/bundle'), kind: 'reactor', output, maxMemory: `${CAP_MIB}MiB` });
    const Wasm = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: { memory: { grow(n: number): number; buffer: ArrayBuffer } } } } }).WebAssembly;
    const noWasi = { wasi_snapshot_preview1: new Proxy({}, { get: () => () => 0 }) };
    const memory = new Wasm.Instance(new Wasm.Module(readFileSync(output)), noWasi).exports.memory;
    const pages = memory.buffer.byteLength / 65536;
    expect(() => memory.grow(CAP_MIB * 16 - pages + 1)).toThrow();
    expect(memory.grow(CAP_MIB * 16 - pages)).toBe(pages);
  }, 300_000);
});

describe.each(RUNTIMES)('a module capped at 256 MiB under $name', (runtime) => {
  it('raises MemoryError past the cap and carries on: afterwards 64 MiB allocate and a groupby-like sum is right', () => {
    const probe = [
      'import sys',
      'chunks = []',
      'try:',
      '    while True: chunks.append(bytearray(16 << 20))',
      'except MemoryError:',
      '    print("MemoryError after", len(chunks) * 16, "MiB")',
      'reached = len(chunks) * 16',
      'chunks.clear()',
      'again = bytearray(64 << 20); again[-1] = 1',
      'sums = {}',
      'for i in range(100000): sums[i % 7] = sums.get(i % 7, 0) + i',
      'print(reached <= ' + CAP_MIB + ', len(again), sums[3])',
    ].join('\n');
    const r = runtime.run(cappedPython(), ['-c', probe]);
    expect(r.stderr).toBe('');
    const [first, second] = r.stdout.trim().split('\n');
    expect(first).toMatch(/^MemoryError after \d+ MiB$/);
    expect(Number(first.split(' ')[2])).toBeGreaterThanOrEqual(CAP_MIB - 64);
    const expected = Array.from({ length: 100000 }, (_, i) => i).filter((i) => i % 7 === 3).reduce((a, b) => a + b, 0);
    expect(second).toBe(`True ${64 << 20} ${expected}`);
  });
});
