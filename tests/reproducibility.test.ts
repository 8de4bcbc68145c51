// What makes builds comparable across machines: step identities from what went in, and the check
// that names where two modules differ (tools/reproducibility-check.mjs runs the full two-clone build).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modulePath, prefixMapFlags, stepOutputIdentity } from '@wasi-pystack/core';
// @ts-expect-error: a plain ES module script without declarations
import { firstWasmDifference } from '../tools/reproducibility-check.mjs';

const ROOT = resolve(__dirname, '..');

function finishedStep(root: string, seconds: number, finished: string) {
  const dir = join(root, 'steps', 'cpython', 'k');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.step-complete.json'), JSON.stringify({ step: 'cpython', key: { sources: ['cpython@abc'] }, seconds, finished }));
  return dir;
}

describe('reproducible builds', () => {
  it('identify a step output by its step and key, not by where or when it was built', () => {
    const a = finishedStep(mkdtempSync(join(tmpdir(), 'cache-a-')), 512.3, '2026-11-26T10:00:00Z');
    const b = finishedStep(mkdtempSync(join(tmpdir(), 'elsewhere-b-')), 498.1, '2026-11-27T03:00:00Z');
    expect(stepOutputIdentity(a)).toBe(stepOutputIdentity(b));
  });

  it('map the work folder, the cache and the workspace to fixed names in compiled output (the last map that matches wins)', () => {
    expect(prefixMapFlags({ work: '/c/steps/x/k.work', cache: '/c', workspace: '/home/me/repo' })).toEqual([
      '-ffile-prefix-map=/home/me/repo=/wasi-pystack/workspace',
      '-ffile-prefix-map=/c=/wasi-pystack/cache',
      '-ffile-prefix-map=/c/steps/x/k.work=/wasi-pystack/work',
    ]);
  });

  it("keep every step's cache key out of CPython's recorded build configuration (so a new key scheme changes no module byte)", () => {
    const sysconfig = readFileSync(join(ROOT, 'dist', 'python-wasi', 'lib', 'python3.13', '_sysconfigdata__wasi_wasm32-wasi.py'), 'utf8');
    expect(sysconfig).toContain("'--with-build-python=/wasi-pystack/work/build-python/bin/python3.13'");
    expect(sysconfig.match(/steps\/[\w-]+\/[0-9a-f]{20}/g) ?? []).toEqual([]);
  });

  it('name the first differing wasm section of two modules', () => {
    const module = readFileSync(modulePath('python', 'default', ROOT));
    expect(firstWasmDifference(module, Buffer.from(module))).toBeUndefined();
    const changed = Buffer.from(module);
    changed[changed.length - 10] ^= 0xff;
    expect(firstWasmDifference(module, changed)).toMatch(/^the data section differs \(sizes \d+ and \d+; first at byte \d+ of the section; 1 bytes differ\)$/);
  });
});
