import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtArchives } from './static-extensions';

describe('builtArchives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'archives-'));
  mkdirSync(join(dir, 'prefix', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'prefix', 'lib', 'libblis.a'), '');
  symlinkSync(join(dir, 'prefix'), join(dir, 'libraries'));
  writeFileSync(join(dir, 'libother.a'), '');

  it("keeps the build's own archives and leaves out a recipe library, however its path is spelled", () => {
    const linked = ['numpy/_core/libnpymath.a', join(dir, 'libraries', 'share', '..', 'lib', 'libblis.a'), 'numpy/_core/libnpymath.a'];
    expect(builtArchives(linked, [join(dir, 'prefix', 'lib', 'libblis.a')])).toEqual(['numpy/_core/libnpymath.a']);
  });

  it('refuses an archive from outside the build that no manifest provides', () => {
    expect(() => builtArchives([join(dir, 'libother.a')], [])).toThrowError(/link archives from outside the build that no manifest provides\n.*libother.a/);
  });
});
