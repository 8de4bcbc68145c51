import { describe, expect, it } from 'vitest';
import { capMemory, memoryBytes, memoryLimits, withMemoryMaximum } from './module-memory';
import { Wasm } from './wasm-api';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** A module with one memory (initial pages, optional maximum) and an export of it. */
function moduleWithMemory(initial: number, maximum?: number): Uint8Array {
  const limits = maximum === undefined ? [0, initial] : [1, initial, maximum];
  const memory = [1, ...limits];
  const exports = [1, 6, ...Buffer.from('memory'), 2, 0];
  return Uint8Array.from([...HEADER, 5, memory.length, ...memory, 7, exports.length, ...exports]);
}

describe('module memory', () => {
  it('reads the limits, and sets a maximum leaving the other sections as they were', async () => {
    const module = moduleWithMemory(2);
    expect(memoryLimits(module)).toEqual({ initialBytes: 2 * 65536, maximumBytes: undefined });
    const capped = withMemoryMaximum(module, 300);
    expect(memoryLimits(capped)).toEqual({ initialBytes: 2 * 65536, maximumBytes: 300 * 65536 });
    expect(Buffer.from(capped.subarray(-12)).equals(Buffer.from(module.subarray(-12)))).toBe(true);
    expect(Wasm.Module.exports(await Wasm.compile(capped))).toEqual([{ name: 'memory', kind: 'memory' }]);
  });

  it('lowers a maximum to the cap, never raises it, and names a cap below the initial memory', () => {
    expect(memoryLimits(capMemory(moduleWithMemory(2), memoryBytes('1MiB')).module).maximumBytes).toBe(1 << 20);
    expect(memoryLimits(capMemory(moduleWithMemory(2, 4), memoryBytes('1MiB')).module).maximumBytes).toBe(4 * 65536);
    expect(() => capMemory(moduleWithMemory(32), 65536)).toThrow(/below the module's initial memory of 2097152 bytes: give a cap above 2 MiB/);
  });

  it('reads sizes with units and names a bad one', () => {
    expect(memoryBytes('512MiB')).toBe(512 << 20);
    expect(memoryBytes(4096)).toBe(4096);
    expect(() => memoryBytes('5 GB')).toThrow("'5 GB' is not a memory size of wasm32");
    expect(() => memoryLimits(Uint8Array.from([1, 2, 3]))).toThrow('not a WebAssembly module');
  });
});
