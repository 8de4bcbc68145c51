import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { SourceLock } from '../lock';
import { WasiPystackError } from '../errors';
import { collectPatches } from '../patches';
import { boolean, listOf, mapOf, object, oneOf, parseChecked, string, stringOrBoolean, stringOrList } from './validate';

export const MESON_RECIPE_FORMAT = 'wasi-pystack-meson-recipe/1';

/**
 * Everything that makes one meson-built Python package (NumPy, pandas, ...) for wasm32-wasip1, as
 * data: a new version of a package is a new recipe file, not new code. Paths are relative to the
 * recipe file. Read with readMesonRecipe(), built by buildMesonPackage().
 */
export interface MesonPackageRecipe {
  format: typeof MESON_RECIPE_FORMAT;
  /** The import name of the package, also the name of the step's manifest ("numpy"). */
  package: string;
  /** Lock key of its sdist. */
  source: string;
  /**
   * Patch folders and files (every .patch of a folder), applied to the source in the order of their
   * file names. A patch two versions share lives in one place and both recipes name it.
   */
  patches?: string | string[];
  /** Reviewed function-pointer casts (core/src/function-casts); missing file = none reviewed. */
  castAllowList?: string;
  /** Lock keys of the wheels installed into the build-machine venv: Cython, meson(-python), versioneer. */
  buildWheels: string[];
  meson: {
    /** "venv": the meson of buildWheels; otherwise a meson.py inside the source (NumPy vendors one). */
    command: string;
    /** Options for `meson setup`, each with its reason in the recipe's $comment or the README. */
    options: string[];
  };
  /**
   * Upstream step outputs the build reads, by manifest name, e.g. ["numpy"] for pandas: their
   * site-packages go on PYTHONPATH (Cython's `cimport numpy`), their archives count in collision checks.
   */
  upstream: string[];
  /**
   * [properties] of the cross file. A value "{numpy.includeDir}" is replaced by that upstream's first
   * include folder.
   */
  crossProperties: Record<string, string | boolean>;
  extensions: {
    /** Every extension module the build must produce, by dotted name; one missing fails the step. */
    expected: string[];
    /** Modules that exist only for the package's own tests: built into test-helpers/, with their own manifest. */
    testHelpers: string[];
  };
  /**
   * Code that runs between `meson setup` and the extension build, by name: "cython-patcher" (Cython
   * runs first, then every generated module gets a unique init symbol), or a package exporting
   * `mesonHooks`.
   */
  hooks?: string[];
  /** Extra arguments for every compile (a recipe overlay's; experiments/ uses them). */
  compileArgs?: string[];
  /**
   * Leave symbols that upstream archives define too as they are (no renames). Only for overlays that
   * reproduce other builds (docs/stack-root-cause.md): such archives link only with duplicates allowed.
   */
  keepDuplicateSymbols?: boolean;
  /**
   * A library recipe file (core's `wasi-pystack-library-recipes/1`) of C libraries the package links,
   * e.g. NumPy's BLAS. Built into a prefix (a step of its own) that meson finds through pkg-config;
   * the archives ship in the step output and its manifest.
   */
  libraries?: string;
  /** Extra link arguments of the finished module (-l flags of the sysroot). */
  linkArgs: string[];
  /** What the step's code holds that a module needs support for ('c++': C++, linked with core's C++ runtime). */
  needs: 'c++'[];
  python: {
    /** Paths below site-packages that never go into a bundle. */
    bundleExcludes: string[];
    /** Header folders for code compiled against this package, relative to the step output. */
    includeDirs: string[];
    /** Move every `tests` folder to test-helpers/site-packages (bundled only into test modules). */
    testsApart: boolean;
  };
}

const check = object({
  format: oneOf(MESON_RECIPE_FORMAT),
  package: string,
  source: string,
  'patches?': stringOrList,
  'castAllowList?': string,
  buildWheels: listOf(string),
  meson: object({ command: string, options: listOf(string) }),
  upstream: listOf(string),
  crossProperties: mapOf(stringOrBoolean),
  extensions: object({ expected: listOf(string), testHelpers: listOf(string) }),
  'hooks?': listOf(string),
  'compileArgs?': listOf(string),
  'keepDuplicateSymbols?': boolean,
  'libraries?': string,
  linkArgs: listOf(string),
  needs: listOf(oneOf('c++')),
  python: object({ bundleExcludes: listOf(string), includeDirs: listOf(string), testsApart: boolean }),
});

export interface LoadedMesonRecipe extends MesonPackageRecipe {
  /** The recipe file. */
  file: string;
  /** Its name: the file name without .json ("numpy-2.4"). */
  name: string;
  /** patches, castAllowList and libraries made absolute; patchFiles: every patch, in order. */
  patchFiles: string[];
  castAllowListFile?: string;
  librariesFile?: string;
}

/** Parses and checks a recipe; with a lock, also that every lock key it names is pinned. */
export function parseMesonRecipe(text: string, file: string, lock?: SourceLock): LoadedMesonRecipe {
  const recipe = parseChecked<MesonPackageRecipe>(text, file, check, 'correct the keys named above (see MesonPackageRecipe in @wasi-pystack/core)');
  if (lock) {
    const problems = [recipe.source, ...recipe.buildWheels].filter((k) => !lock.sources[k]).map((k) => `${k}: not a key under sources in ${lock.path}`);
    if (problems.length) throw new WasiPystackError(`${file} names sources the lock does not pin`, `pin them in ${lock.path}, or correct the recipe`, problems);
  }
  const at = (p?: string) => (p === undefined ? undefined : isAbsolute(p) ? p : join(dirname(file), p));
  const name = file.split('/').pop()!.replace(/\.json$/, '');
  const patchEntries = recipe.patches === undefined ? [] : Array.isArray(recipe.patches) ? recipe.patches : [recipe.patches];
  return { ...recipe, file, name, patchFiles: collectPatches(patchEntries.map((p) => at(p)!)), castAllowListFile: at(recipe.castAllowList), librariesFile: at(recipe.libraries) };
}

export function readMesonRecipe(file: string, lock?: SourceLock): LoadedMesonRecipe {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new WasiPystackError(`no recipe at ${file}`, 'name a recipe file that exists (a package\'s recipes/ folder lists them)');
  }
  return parseMesonRecipe(text, file, lock);
}

/** Expands "{<upstream>.includeDir}" in cross-file properties. */
export function expandCrossProperties(properties: Record<string, string | boolean>, upstream: Record<string, { includeDirs: string[] }>): Record<string, string | boolean> {
  return Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [
      k,
      typeof v !== 'string'
        ? v
        : v.replace(/\{([\w-]+)\.includeDir\}/g, (_, name: string) => {
            const dir = upstream[name]?.includeDirs[0];
            if (!dir) throw new WasiPystackError(`cross property ${k} names ${name}.includeDir, but no upstream '${name}' with an include folder was given`, `add ${name} to the recipe's upstream and pass its output`);
            return dir;
          }),
    ]),
  );
}
