import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { optimizeModule } from './wasm-opt';

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

describe('wasm-opt on a linked module', () => {
  it('keeps what the module computes and makes it smaller', async () => {
    process.env.WASI_PYSTACK_CACHE = mkdtempSync(join(tmpdir(), 'wasm-opt-cache-'));
    const dir = mkdtempSync(join(tmpdir(), 'wasm-opt-'));
    writeFileSync(join(dir, 'in.wasm'), ADD);
    await optimizeModule(join(dir, 'in.wasm'), join(dir, 'out.wasm'));
    const out = readFileSync(join(dir, 'out.wasm'));
    expect(out.length).toBeLessThan(ADD.length);
    const { instance } = await Wasm.instantiate(out);
    expect(instance.exports.f()).toBe(3);
  }, 60_000);
});
