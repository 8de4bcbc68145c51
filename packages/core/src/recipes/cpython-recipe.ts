import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { WasiPystackError } from '../errors';
import type { SourceLock } from '../lock';
import { collectPatches } from '../patches';
import { listOf, mapOf, object, oneOf, parseChecked, string, stringOrList } from './validate';

export const CPYTHON_RECIPE_FORMAT = 'wasi-pystack-cpython-recipe/1';

/**
 * CPython's host build for wasm32-wasip1 as data (python-wasi's recipes/cpython-3.13.json): what
 * CPython's configure is told and answered, the modules Setup.local adds, what the output keeps of
 * the stdlib and why. Paths are relative to the recipe file. Built by core's buildCPython().
 */
export interface CPythonRecipe {
  format: typeof CPYTHON_RECIPE_FORMAT;
  /** Lock key of CPython's source tarball. */
  source: string;
  patches?: string | string[];
  castAllowList?: string;
  /** A library recipe file (`wasi-pystack-library-recipes/1`) of the C libraries behind stdlib modules. */
  libraries: string;
  configure: {
    /** CONFIG_SITE, relative to the unpacked source. */
    configSite: string;
    /** After --host, --build, --with-build-python and --prefix=/usr/local. */
    args: string[];
    /** configure cache variables (ac_cv_...). */
    cache: Record<string, string>;
  };
  /** Lines of Modules/Setup.local. */
  setupLocal: string[];
  make: { build: string[]; install: string[] };
  /** Archives the build makes beside libpython, relative to the build folder; shipped when present. */
  moduleArchives: string[];
  /** What a module linking libpython needs besides it. */
  linkArgs: string[];
  audit: { scanRoots: string[] };
  stdlib: {
    /** Folder names never copied into the output. */
    copyExclude: string[];
    /** Paths of the stdlib a bundle leaves out (manifest pythonRoots exclude). */
    exclude: string[];
    /** Top-level modules left out, with the reason an import of one reports. */
    leftOut: Record<string, string>;
  };
}

const check = object({
  format: oneOf(CPYTHON_RECIPE_FORMAT),
  source: string,
  'patches?': stringOrList,
  'castAllowList?': string,
  libraries: string,
  configure: object({ configSite: string, args: listOf(string), cache: mapOf(string) }),
  setupLocal: listOf(string),
  make: object({ build: listOf(string), install: listOf(string) }),
  moduleArchives: listOf(string),
  linkArgs: listOf(string),
  audit: object({ scanRoots: listOf(string) }),
  stdlib: object({ copyExclude: listOf(string), exclude: listOf(string), leftOut: mapOf(string) }),
});

export interface LoadedCPythonRecipe extends CPythonRecipe {
  file: string;
  name: string;
  patchFiles: string[];
  castAllowListFile?: string;
  librariesFile: string;
}

export function parseCPythonRecipe(text: string, file: string, lock?: SourceLock): LoadedCPythonRecipe {
  const recipe = parseChecked<CPythonRecipe>(text, file, check, 'correct the keys named above (see CPythonRecipe in @wasi-pystack/core)');
  if (lock && !lock.sources[recipe.source]) throw new WasiPystackError(`${file} names sources the lock does not pin`, `pin them in ${lock.path}, or correct the recipe`, [`${recipe.source}: not a key under sources in ${lock.path}`]);
  const at = (p: string) => (isAbsolute(p) ? p : join(dirname(file), p));
  const patches = recipe.patches === undefined ? [] : Array.isArray(recipe.patches) ? recipe.patches : [recipe.patches];
  return {
    ...recipe,
    file,
    name: file.split('/').pop()!.replace(/\.json$/, ''),
    patchFiles: collectPatches(patches.map(at)),
    castAllowListFile: recipe.castAllowList ? at(recipe.castAllowList) : undefined,
    librariesFile: at(recipe.libraries),
  };
}

export function readCPythonRecipe(file: string, lock?: SourceLock): LoadedCPythonRecipe {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new WasiPystackError(`no recipe at ${file}`, 'name a CPython recipe file that exists (python-wasi\'s recipes/ folder has one)');
  }
  return parseCPythonRecipe(text, file, lock);
}

/** The recipe as it goes into a cache key: its content (patches and allow-list by their content elsewhere). */
export const cpythonRecipeKey = (r: LoadedCPythonRecipe) => {
  const { file: _f, name: _n, patchFiles: _p, patches: _ps, castAllowListFile: _c, castAllowList: _ca, librariesFile: _l, libraries: _li, $comment: _comment, ...content } = r as LoadedCPythonRecipe & { $comment?: unknown };
  return content;
};
