import type { SourceLock } from '../lock';
import { loadRecipe, type Loaded } from './loaded-recipe';
import { listOf, mapOf, object, oneOf, string, stringOrList } from './validate';

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

export type LoadedCPythonRecipe = Loaded<CPythonRecipe> & { librariesFile: string };

export const parseCPythonRecipe = (text: string, file: string, lock?: SourceLock) =>
  loadRecipe<CPythonRecipe>(text, file, { type: 'CPythonRecipe', check, sources: (r) => [r.source] }, lock) as LoadedCPythonRecipe;
