// A package is data (issue 33): the C-extension packages of the toolchain are a step file, a recipe
// and patches, and no TypeScript anywhere names them; core knows no package by name (the CPython
// builder alone names what it builds). tests/registry-step.test.ts builds such a package made at test
// time; this file counts what the real ones consist of.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const tracked = (...paths: string[]) => execFileSync('git', ['ls-files', ...paths], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
/** The toolchain's packages that build a step and ship no code. */
const DATA_PACKAGES = ['numexpr-wasi', 'bottleneck-wasi'];
/** What such a package may hold: its manifest, README, step file, recipes and patches. */
const DATA_FILE = /^packages\/[a-z-]+\/(package\.json|README\.md|wasi-step\.json|recipes\/[\w.-]+\.json|patches\/[\w.-]+\.patch)$/;

describe('a package is data', () => {
  it.each(DATA_PACKAGES)('%s is a step file, a recipe and patches: no code', (name) => {
    const files = tracked(`packages/${name}`);
    expect(files.filter((f) => !DATA_FILE.test(f))).toEqual([]);
    expect(files).toContain(`packages/${name}/wasi-step.json`);
    expect(JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8'))['wasi-pystack']).toEqual({ step: 'wasi-step.json' });
  });

  it('is named by no TypeScript of the toolchain (the plugin finds it through package.json)', () => {
    const sources = tracked('packages/*/src/*.ts', 'packages/*/src/**/*.ts').filter((f) => !f.endsWith('.test.ts'));
    const naming = sources.filter((f) => /numexpr|bottleneck/.test(readFileSync(join(ROOT, f), 'utf8'))).filter((f) => !f.startsWith('packages/numexpr-wasi/'));
    expect(naming).toEqual([]);
  });

  it("leaves core knowing no package by name: no 'cpython', 'numpy' or 'pandas' literal outside the CPython builder", () => {
    const core = tracked('packages/core/src').filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const literal = /(['"`])(cpython|numpy|pandas|numexpr|bottleneck|python-wasi|numpy-wasi|pandas-wasi)\1/;
    const found = core.flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ line: line.replace(/\/\*.*?\*\/|\/\/.*$|^\s*\*.*$/g, ''), at: `${f}:${i + 1}` }))
        .filter(({ line }) => literal.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    // The CPython builder writes the manifest of what it builds: the one place that names it.
    expect(found.filter((f) => !f.startsWith('packages/core/src/builders/cpython.ts:'))).toEqual([]);
  });
});
