import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryCommand } from '@wasi-pystack/core';
import { optimizationLevel, PYTHON_DIR } from './index';

describe('optimizationLevel', () => {
  it("is the option, else the project's, else 0", () => {
    expect(optimizationLevel({})).toBe(0);
    expect(optimizationLevel({}, { optimize: 1 })).toBe(1);
    expect(optimizationLevel({ optimize: 2 }, { optimize: 1 })).toBe(2);
    expect(optimizationLevel({ optimize: 0 }, { optimize: 2 })).toBe(0);
    expect(() => optimizationLevel({ optimize: 3 as never })).toThrowError('optimize is 3, not 0, 1 or 2');
  });
});

// make_bundle.py runs under the build Python; any Python 3 shows what compile(optimize=) keeps.
describe('make_bundle.py at an optimization level', () => {
  function bundleAt(optimize: number): { docstrings: boolean; asserts: boolean } {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-opt-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'm.py'), 'def f():\n    """the docstring"""\n    assert False, "the assert"\n');
    const plan = { output: join(dir, 'bundle.bin'), listing: join(dir, 'files.json'), compress: false, optimize, roots: [{ path: join(dir, 'src'), origin: 'test' }], wheels: [] };
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
    const log = join(dir, 'make_bundle.log');
    queryCommand({ argv: ['python3', join(PYTHON_DIR, 'make_bundle.py'), join(dir, 'plan.json')], cwd: dir }, { logFile: log });
    expect(readFileSync(log, 'utf8').split('\n').filter((l) => l && !/^(📁|❯)/.test(l))).toEqual([]);
    const bytes = readFileSync(plan.output).toString('latin1');
    return { docstrings: bytes.includes('the docstring'), asserts: bytes.includes('the assert') };
  }

  it('keeps docstrings and asserts at 0, drops asserts at 1 and both at 2', () => {
    expect(bundleAt(0)).toEqual({ docstrings: true, asserts: true });
    expect(bundleAt(1)).toEqual({ docstrings: true, asserts: false });
    expect(bundleAt(2)).toEqual({ docstrings: false, asserts: false });
  });
});
