import { describe, expect, it } from 'vitest';
import { appendDataAtMemoryEnd } from './wasm-edit';
import { memorySegments, sameStateLayout } from './snapshot-image';

// (module (memory (export "memory") 1) (global (mut i32) (i32.const 0)) (export "g" (global 0)))
const MODULE = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x05, 0x03, 0x01, 0x00, 0x01, // memory: one, min 1 page
  0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, // global: mut i32 = 0
  0x07, 0x0e, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01, 0x67, 0x03, 0x00, // exports
]);

describe('a snapshot image', () => {
  it('keeps the non-zero runs of memory, joining runs closer than the gap, and widens the gap to stay under the segment limit', () => {
    const memory = new Uint8Array(1000);
    memory.set([1, 2], 10);
    memory.set([3], 20); // 8 zero bytes after the first run: joined
    memory.set([4], 500);
    expect(memorySegments(memory).map((s) => [s.offset, [...s.bytes]])).toEqual([[10, [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3]], [500, [4]]]);
    expect(memorySegments(memory, 1).map((s) => [s.offset, s.bytes.length])).toEqual([[10, 491]]);
    expect(memorySegments(new Uint8Array(64))).toEqual([]);
  });

  it('is written only into a module of the same memory, globals, exports and data', () => {
    expect(sameStateLayout(MODULE, Buffer.from(MODULE))).toBe(true);
    expect(sameStateLayout(MODULE, appendDataAtMemoryEnd(MODULE, Buffer.from('x')).module)).toBe(false);
  });
});
