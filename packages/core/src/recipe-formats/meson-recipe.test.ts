import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock } from '../lock';
import { checkExpectedModules } from '../builders/meson-hooks';
import { recipeContent, readRecipeText } from './loaded-recipe';
import { expandCrossProperties, parseMesonRecipe, type LoadedMesonRecipe } from './meson-recipe';

const readMesonRecipe = (file: string, lock?: ReturnType<typeof readLock>): LoadedMesonRecipe => parseMesonRecipe(readRecipeText(file), file, lock);
import { readLibraryRecipes } from '../builders/c-libraries';

const WORKSPACE = resolve(__dirname, '..', '..', '..', '..');
const recipeFiles = ['numpy-wasi', 'pandas-wasi'].flatMap((p) => {
  const dir = join(WORKSPACE, 'packages', p, 'recipes');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
});
const numpy = readMesonRecipe(join(WORKSPACE, 'packages', 'numpy-wasi', 'recipes', 'numpy-2.4.json'));
const text = (change: (r: Record<string, any>) => void) => {
  const raw = JSON.parse(JSON.stringify(numpy));
  for (const k of ['file', 'name', 'patchFiles', 'castAllowListFile', 'librariesFile']) delete raw[k];
  change(raw);
  return JSON.stringify(raw);
};

describe('meson recipes', () => {
  it.each(recipeFiles)('%s is valid and pins only what the lock pins', (file) => {
    const recipe = readMesonRecipe(file, readLock(WORKSPACE));
    expect(recipe.extensions.expected.length).toBeGreaterThan(0);
  });

  it('names every problem by its key path and rejects unknown keys', () => {
    const bad = text((r) => {
      r.meson.option = r.meson.options;
      delete r.meson.options;
      r.buildWheels = 'cython';
      r.hooks = 'cython-patcher';
    });
    expect(() => parseMesonRecipe(bad, 'numpy-x.json')).toThrowError(
      'numpy-x.json has 4 problem(s)\n' +
        '  buildWheels: must be a list, not string\n' +
        '  meson/option: unknown key\n' +
        '  meson/options: missing\n' +
        '  hooks: must be a list, not string\n' +
        'Fix: correct the keys named above (see MesonPackageRecipe in @wasi-pystack/core)',
    );
  });

  it('names sources the lock does not pin', () => {
    expect(() => parseMesonRecipe(text((r) => (r.source = 'numpy-9')), 'n.json', readLock(WORKSPACE))).toThrowError(/n.json names sources the lock does not pin\n  numpy-9: not a key under sources/);
  });

  it('resolves patch folders against the recipe file and expands upstream include folders', () => {
    expect(numpy.patchFiles.map((f) => f.split('/').slice(-2).join('/'))).toEqual(['patches/0001-function-signatures-for-wasm-indirect-calls.patch', 'patches/0002-tofile-fromfile-borrow-the-descriptor-on-wasi.patch', 'patches/0003-lapack-lite-blas-on-cblas.patch']);
    expect(expandCrossProperties({ 'numpy-include-dir': '{numpy.includeDir}', flag: true }, { numpy: { includeDirs: ['/x/include'] } })).toEqual({ 'numpy-include-dir': '/x/include', flag: true });
    expect(() => expandCrossProperties({ d: '{numpy.includeDir}' }, {})).toThrowError(/names numpy.includeDir, and no upstream output of numpy with an include folder was given\nFix: add the step that builds numpy to the step file's upstream/);
  });

  it("resolves a recipe's libraries file, whose libraries the lock pins", () => {
    expect(numpy.librariesFile).toBe(join(WORKSPACE, 'packages', 'numpy-wasi', 'recipes', 'libraries', 'blis.json'));
    const lock = readLock(WORKSPACE);
    for (const recipe of recipeFiles.map((f) => readMesonRecipe(f)).filter((r) => r.librariesFile)) {
      for (const library of readLibraryRecipes(recipe.librariesFile!).libraries) expect(lock.sources[library.source], `${recipe.name}: ${library.source}`).toBeDefined();
    }
    expect(readLibraryRecipes(numpy.librariesFile!).libraries.map((l) => [l.source, l.archive])).toEqual([['blis', 'lib/libblis.a']]);
  });

  it('keys a recipe by its content, the same wherever the file lies (another clone, installed packages)', () => {
    const root = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    cpSync(join(WORKSPACE, 'packages', 'numpy-wasi', 'patches'), join(root, 'patches'), { recursive: true });
    const elsewhere = parseMesonRecipe(readFileSync(numpy.file, 'utf8'), join(root, 'recipes', 'numpy-2.4.json'));
    expect(elsewhere.librariesFile).toBe(join(root, 'recipes', 'libraries', 'blis.json'));
    expect(JSON.stringify(recipeContent(elsewhere))).toBe(JSON.stringify(recipeContent(numpy)));
  });

  it('takes patches from several places in the order of their names; a shared patch exists once', () => {
    const numpy25 = readMesonRecipe(join(WORKSPACE, 'packages', 'numpy-wasi', 'recipes', 'numpy-2.5.json'));
    expect(numpy25.patchFiles.map((f) => f.split('/').slice(-2).join('/'))).toEqual(['patches-2.5/0001-function-signatures-for-wasm-indirect-calls.patch', 'patches-2.5/0002-tofile-fromfile-borrow-the-descriptor-on-wasi.patch', 'patches/0003-lapack-lite-blas-on-cblas.patch']);
    const root = mkdtempSync(join(tmpdir(), 'patches-'));
    for (const d of ['a', 'b']) {
      mkdirSync(join(root, d));
      writeFileSync(join(root, d, '0001-x.patch'), d);
    }
    expect(() => parseMesonRecipe(text((r) => (r.patches = ['a', 'b'])), join(root, 'r.json'))).toThrowError(/two patches are named 0001-x.patch/);
    expect(() => parseMesonRecipe(text((r) => (r.patches = ['missing'])), join(root, 'r.json'))).toThrowError(/a recipe names patches that do not exist\n  .*missing/);
  });

  it('fails a build that lost an expected extension module', () => {
    expect(() => checkExpectedModules({ file: 'pandas-2.3.json', extensions: { expected: ['pandas._libs.lib', 'pandas._libs.window.aggregations'], testHelpers: [] } }, ['pandas._libs.lib'])).toThrowError(
      'the build produced no extension module pandas._libs.window.aggregations',
    );
  });
});
