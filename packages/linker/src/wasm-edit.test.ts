import { describe, expect, it } from 'vitest';
import { appendDataAtMemoryEnd, removeExports, setMemoryMaximum } from './wasm-edit';

const section = (id: number, content: number[]) => [id, content.length, ...content];
const name = (s: string) => [s.length, ...Buffer.from(s)];

/** A module with one 2-page memory, data "hi" at 16, functions exported as _start and process. */
function tinyModule(withDataCount: boolean, maxPages?: number): Buffer {
  return Buffer.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]), // type: () -> ()
    ...section(3, [2, 0, 0]), // two functions of type 0
    ...section(5, maxPages === undefined ? [1, 0, 2] : [1, 1, 2, maxPages]), // memory
    ...section(7, [3, ...name('memory'), 2, 0, ...name('_start'), 0, 0, ...name('process'), 0, 1]),
    ...(withDataCount ? section(12, [1]) : []),
    ...section(10, [2, 2, 0, 0x0b, 2, 0, 0x0b]), // two empty bodies
    ...section(11, [1, 0, 0x41, 16, 0x0b, 2, 0x68, 0x69]), // "hi" at 16
  ]);
}

// Node's WebAssembly global (the project's TypeScript lib has no DOM types).
interface Instance {
  exports: Record<string, unknown> & { memory: { buffer: ArrayBuffer } };
}
const Wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => Instance } }).WebAssembly;

function instantiate(bytes: Buffer) {
  return new Wasm.Instance(new Wasm.Module(bytes)).exports;
}

describe('appendDataAtMemoryEnd', () => {
  it('places the data at the end of the initial memory and grows it by the pages the data needs', () => {
    for (const withDataCount of [false, true]) {
      const data = Buffer.alloc(70000, 7);
      data.write('project', 0);
      const { module, address } = appendDataAtMemoryEnd(tinyModule(withDataCount), data);
      expect(address).toBe(2 * 65536);
      const memory = instantiate(module).memory;
      expect(memory.buffer.byteLength).toBe(4 * 65536);
      const bytes = Buffer.from(memory.buffer);
      expect(bytes.toString('latin1', 16, 18)).toBe('hi');
      expect(bytes.subarray(address, address + data.length).equals(data)).toBe(true);
    }
  });

  it('refuses data that does not fit below the maximum', () => {
    expect(() => appendDataAtMemoryEnd(tinyModule(false, 2), Buffer.alloc(1))).toThrow('cannot grow to 3 pages');
    expect(appendDataAtMemoryEnd(tinyModule(false, 3), Buffer.alloc(1)).address).toBe(2 * 65536);
  });
});

describe('setMemoryMaximum', () => {
  it('caps the memory: growing past the maximum fails inside the module, the engine does not let it', () => {
    const memory = instantiate(setMemoryMaximum(tinyModule(true), 3)).memory as unknown as { grow(pages: number): number; buffer: ArrayBuffer };
    expect(memory.grow(1)).toBe(2);
    expect(() => memory.grow(1)).toThrow();
    expect(memory.buffer.byteLength).toBe(3 * 65536);
  });

  it('refuses a maximum below the initial memory, naming both', () => {
    expect(() => setMemoryMaximum(tinyModule(false), 1)).toThrow('a maximum of 1 pages (64 KiB) is below the module\'s initial memory of 2 pages (128 KiB)');
  });
});

describe('removeExports', () => {
  it('drops the named exports and keeps the rest', () => {
    const exports = instantiate(removeExports(tinyModule(true), ['process', 'absent']));
    expect(Object.keys(exports).sort()).toEqual(['_start', 'memory']);
  });
});
