import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { WasiPystackError } from '../errors';
import type { SourceLock } from '../lock';
import { collectPatches } from '../patches';
import { listOf, mapOf, object, oneOf, parseChecked, string, stringOrList } from './validate';

export const SETUPTOOLS_RECIPE_FORMAT = 'wasi-pystack-setuptools-recipe/1';

/**
 * A Python package built by its own PEP 517 backend (setuptools, or another that compiles through
 * the CC/LDSHARED it is given), as data. The backend builds a wheel with the native build Python;
 * each compile runs the wasm32-wasip1 compiler against the target's headers, each extension's
 * "shared library" is a record of its objects, and the pipeline turns every record into a static
 * archive with a unique init symbol (see setuptools-pipeline.ts). Paths of patches and the cast
 * allow list are relative to the recipe file.
 */
export interface SetuptoolsRecipe {
  format: typeof SETUPTOOLS_RECIPE_FORMAT;
  /** Import name of the package, also the manifest's name. */
  package: string;
  /** Lock key of its sdist. */
  source: string;
  patches?: string | string[];
  castAllowList?: string;
  /** Lock keys of the pure-Python wheels the build imports (setuptools, versioneer, ...). */
  buildRequires: string[];
  /**
   * The extension modules the build must make, by dotted name. A build whose compile fails may fall
   * back to pure Python without failing (markupsafe's does): the list makes that an error.
   */
  extensions: string[];
  /** PEP 517 config settings handed to build_wheel. */
  configSettings?: Record<string, string>;
  /** Variables the package's build script reads. */
  env?: Record<string, string>;
  python?: {
    /** Paths below site-packages that never go into a bundle (a package's tests). */
    bundleExcludes?: string[];
  };
  /** Extra link arguments of the finished module. */
  linkArgs?: string[];
}

const check = object({
  format: oneOf(SETUPTOOLS_RECIPE_FORMAT),
  package: string,
  source: string,
  'patches?': stringOrList,
  'castAllowList?': string,
  buildRequires: listOf(string),
  extensions: listOf(string),
  'configSettings?': mapOf(string),
  'env?': mapOf(string),
  'python?': object({ 'bundleExcludes?': listOf(string) }),
  'linkArgs?': listOf(string),
});

export interface LoadedSetuptoolsRecipe extends SetuptoolsRecipe {
  file: string;
  name: string;
  patchFiles: string[];
  castAllowListFile?: string;
}

const FIX = 'correct the keys named above (see SetuptoolsRecipe in @wasi-pystack/core)';

export function parseSetuptoolsRecipe(text: string, file: string, lock?: SourceLock): LoadedSetuptoolsRecipe {
  const recipe = parseChecked<SetuptoolsRecipe>(text, file, check, FIX);
  if (lock) {
    const unpinned = [recipe.source, ...recipe.buildRequires].filter((k) => !lock.sources[k]);
    if (unpinned.length) throw new WasiPystackError(`${file} names sources the lock does not pin`, `pin them in ${lock.path}, or correct the recipe`, unpinned.map((k) => `${k}: not a key under sources in ${lock.path}`));
    const notWheels = recipe.buildRequires.filter((k) => !lock.sources[k].file.endsWith('.whl'));
    if (notWheels.length) throw new WasiPystackError(`${file}: buildRequires names sources that are not wheels`, 'pin the pure-Python wheel (py3-none-any) of each build requirement', notWheels.map((k) => `${k}: ${lock.sources[k].file}`));
  }
  const at = (p: string) => (isAbsolute(p) ? p : join(dirname(file), p));
  const patches = recipe.patches === undefined ? [] : Array.isArray(recipe.patches) ? recipe.patches : [recipe.patches];
  return { ...recipe, file, name: basename(file).replace(/\.json$/, ''), patchFiles: collectPatches(patches.map(at)), castAllowListFile: recipe.castAllowList ? at(recipe.castAllowList) : undefined };
}

export function readSetuptoolsRecipe(file: string, lock?: SourceLock): LoadedSetuptoolsRecipe {
  if (!existsSync(file)) throw new WasiPystackError(`no recipe at ${file}`, 'name a setuptools recipe file that exists');
  return parseSetuptoolsRecipe(readFileSync(file, 'utf8'), file, lock);
}
