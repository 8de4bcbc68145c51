import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLock } from '@wasi-pystack/core';
import { nativeOptimizerUnavailable, optimizeModule } from './wasm-opt';

// (module (func (export "f") (result i32) i32.const 1 i32.const 2 i32.add))
const ADD = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f" = func 0
  0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6a, 0x0b, // code
]);

// Node's WebAssembly global (the project's TypeScript lib has no DOM types).
const Wasm = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, () => number> } }> } }).WebAssembly;

const saved = process.env.WASI_PYSTACK_CACHE;
afterEach(() => {
  if (saved === undefined) delete process.env.WASI_PYSTACK_CACHE;
  else process.env.WASI_PYSTACK_CACHE = saved;
});

const lock = readLock(join(__dirname, '..', '..', '..'));

async function optimizedAdd(options: Parameters<typeof optimizeModule>[3]): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-opt-'));
  writeFileSync(join(dir, 'in.wasm'), ADD);
  await optimizeModule(join(dir, 'in.wasm'), join(dir, 'out.wasm'), undefined, options);
  return readFileSync(join(dir, 'out.wasm'));
}

describe('wasm-opt on a linked module', () => {
  it('keeps what the module computes and makes it smaller (binaryen.js: no lock names the native library)', async () => {
    process.env.WASI_PYSTACK_CACHE = mkdtempSync(join(tmpdir(), 'wasm-opt-cache-'));
    const out = await optimizedAdd({});
    expect(out.length).toBeLessThan(ADD.length);
    const { instance } = await Wasm.instantiate(out);
    expect(instance.exports.f()).toBe(3);
  }, 60_000);

  it('runs the native library where it can, and the module computes the same', async () => {
    // This machine is linux x86_64 with glibc >= 2.35 and python3: the native optimizer must run here.
    // (The workspace's cache: the wheel is fetched once, like every source.)
    expect(nativeOptimizerUnavailable(lock, ['-O2'])).toBeUndefined();
    const native = await optimizedAdd({ lock });
    const { instance } = await Wasm.instantiate(native);
    expect(instance.exports.f()).toBe(3);
    expect(native.length).toBeLessThan(ADD.length);
  }, 120_000);

  it('says why the native library cannot run', () => {
    expect(nativeOptimizerUnavailable(lock, ['-O2'], { WASI_PYSTACK_WASM_OPT: 'js' })).toBe('WASI_PYSTACK_WASM_OPT=js');
    expect(nativeOptimizerUnavailable(lock, ['-O2', '--converge'])).toBe("the flags -O2 --converge need wasm-opt's command line");
    expect(nativeOptimizerUnavailable({ ...lock, sources: {} }, ['-O2'])).toBe('the lock pins no binaryen-native');
  });
});
