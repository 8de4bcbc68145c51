import { describe, expect, it } from 'vitest';
import { decodeProjectData, encodeProjectData, PROJECT_DATA_MAGIC } from './project-data';

describe('project data', () => {
  const data = {
    bundle: Buffer.from([0, 1, 2, 255]),
    importerSource: 'def install():\n    pass\n',
    entry: { module: 'hello', function: 'main' },
    warmup: { module: 'hello', function: 'warm' },
    preimport: ['numpy', 'pandas.io.json'],
    hashSeed: 0xfedcba98,
    optimizationLevel: 2,
  };

  it('round-trips every field', () => {
    expect(decodeProjectData(encodeProjectData(data))).toEqual(data);
    const command = decodeProjectData(encodeProjectData({ bundle: Buffer.alloc(0), importerSource: '' }));
    expect(command).toEqual({ bundle: Buffer.alloc(0), importerSource: '', entry: undefined, warmup: undefined, preimport: [], hashSeed: 0, optimizationLevel: 0 });
  });

  it('lays fields out as project.c reads them: marker, size, 8-aligned fields each followed by NUL', () => {
    const bytes = encodeProjectData(data);
    expect(bytes.subarray(0, 8).equals(PROJECT_DATA_MAGIC)).toBe(true);
    expect(bytes.readUInt32LE(8)).toBe(bytes.length);
    for (let i = 0; i < 7; i++) {
      const offset = bytes.readUInt32LE(20 + i * 8);
      const length = bytes.readUInt32LE(24 + i * 8);
      expect(offset % 8).toBe(0);
      expect(bytes[offset + length]).toBe(0);
    }
    // The preimports: each name NUL-terminated, then the field's NUL ends the list.
    const offset = bytes.readUInt32LE(20 + 6 * 8);
    expect(bytes.toString('utf8', offset, offset + 21)).toBe('numpy\0pandas.io.json\0');
    expect(bytes[offset + 21]).toBe(0);
  });

  it('refuses names that are not module names, levels above 2 and seeds outside 32 bits', () => {
    const base = { bundle: Buffer.alloc(0), importerSource: '' };
    expect(() => encodeProjectData({ ...base, preimport: ['os; import x'] })).toThrow("preimport 'os; import x' is not a dotted module name");
    expect(() => encodeProjectData({ ...base, entry: { module: 'a-b', function: 'main' } })).toThrow("entry 'a-b:main' is not module:function");
    expect(() => encodeProjectData({ ...base, optimizationLevel: 3 })).toThrow('optimization level 3 is not 0, 1 or 2');
    expect(() => encodeProjectData({ ...base, hashSeed: 2 ** 32 })).toThrow('is not a 32-bit unsigned integer');
  });
});
