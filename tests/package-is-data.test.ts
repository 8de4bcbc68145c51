// A package is data (issue 33): the C-extension packages of the toolchain are a step file, a recipe
// and patches, and no TypeScript anywhere names them; core knows no package by name (the CPython
// builder alone names what it builds). tests/registry-step.test.ts builds such a package made at test
// time; this file counts what the real ones consist of.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const tracked = (...paths: string[]) => execFileSync('git', ['ls-files', ...paths], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
/** Every TypeScript source below a folder (tracked or not), tests left out. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'dist' || e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}
/** A source's code lines, comments left out (a comment may name a package as an example). */
const codeLines = (file: string) => readFileSync(join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, '')).split('\n').map((line) => line.replace(/\/\/.*$/, ''));
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
    const all = readdirSync(join(ROOT, 'packages')).filter((p) => existsSync(join(ROOT, 'packages', p, 'src'))).flatMap((p) => sources(`packages/${p}/src`));
    const naming = all.filter((f) => codeLines(f).some((line) => /numexpr|bottleneck/.test(line)));
    expect(naming).toEqual([]);
  });

  it("leaves core knowing no package by name: no 'cpython', 'numpy' or 'pandas' literal outside the CPython builder", () => {
    const literal = /(['"`])(cpython|numpy|pandas|numexpr|bottleneck|python-wasi|numpy-wasi|pandas-wasi)\1/;
    const found = sources('packages/core/src').flatMap((f) =>
      codeLines(f)
        .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
        .filter(({ line }) => literal.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    // The CPython builder writes the manifest of what it builds; the marker environment holds what
    // CPython's sys reports (implementation_name 'cpython'), a fact of the interpreter, not a package.
    const allowed = (f: string) => f.startsWith('packages/core/src/builders/cpython.ts:') || (f.startsWith('packages/core/src/pypi/markers.ts:') && f.endsWith("implementation_name: 'cpython',"));
    expect(found.filter((f) => !allowed(f))).toEqual([]);
  });
});
