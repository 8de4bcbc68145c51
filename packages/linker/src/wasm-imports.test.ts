import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wasmExports, wasmImports } from './wasm-imports';

// (module (import "env" "f" (func)) (func (export "run")))
const MODULE = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
  0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x00,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x01,
  0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
]);

describe('wasm section readers', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'wasm-')), 'm.wasm');
  writeFileSync(file, MODULE);

  it('reads imports and exports of a module', () => {
    expect(wasmImports(file)).toEqual([{ module: 'env', name: 'f' }]);
    expect(wasmExports(file)).toEqual(['run']);
  });

  it('rejects files that are not WebAssembly', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'wasm-')), 'x.wasm');
    writeFileSync(bad, 'not wasm at all');
    expect(() => wasmImports(bad)).toThrow(`${bad} is not a WebAssembly module`);
  });
});
