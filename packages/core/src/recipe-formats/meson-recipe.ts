import type { SourceLock } from '../lock';
import { WasiPystackError } from '../errors';
import { loadRecipe, PACKAGE_RECIPE_KEYS, type Loaded, type PackageRecipeFields } from './loaded-recipe';
import { boolean, listOf, mapOf, object, oneOf, string, stringOrBoolean } from './validate';

export const MESON_RECIPE_FORMAT = 'wasi-pystack-meson-recipe/1';

/**
 * Everything that makes one meson-built Python package (NumPy, pandas, ...) for wasm32-wasip1, as
 * data: a new version of a package is a new recipe file, not new code. Paths are relative to the
 * recipe file. Read by the step registry (stepRecipe), built by buildMesonPackage().
 */
export interface MesonPackageRecipe extends PackageRecipeFields {
  format: typeof MESON_RECIPE_FORMAT;
  /** Lock keys of the wheels installed into the build-machine venv: Cython, meson(-python), versioneer. */
  buildWheels: string[];
  meson: {
    /** "venv": the meson of buildWheels; otherwise a meson.py inside the source (NumPy vendors one). */
    command: string;
    /** Options for `meson setup`, each with its reason in the recipe's $comment or the README. */
    options: string[];
  };
  /**
   * [properties] of the cross file. A value "{numpy.includeDir}" is replaced by the first include
   * folder of the upstream output of that package (the step file names the upstream steps; their
   * site-packages go on PYTHONPATH, e.g. for Cython's `cimport numpy`, and their archives count in
   * collision checks).
   */
  crossProperties: Record<string, string | boolean>;
  extensions: {
    /** Every extension module the build must produce, by dotted name; one missing fails the step. */
    expected: string[];
    /** Modules that exist only for the package's own tests: built into test-helpers/, with their own manifest. */
    testHelpers: string[];
  };
  /**
   * Code that runs between `meson setup` and the extension build: packages exporting `mesonHooks`,
   * found from the recipe file's folder (the package that ships the recipe depends on them), e.g.
   * "@wasi-pystack/cython-patcher" (Cython runs first, then every generated module gets a unique
   * init symbol).
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
  ...PACKAGE_RECIPE_KEYS,
  buildWheels: listOf(string),
  meson: object({ command: string, options: listOf(string) }),
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

export type LoadedMesonRecipe = Loaded<MesonPackageRecipe>;

/** Parses and checks a recipe; with a lock, also that every lock key it names is pinned. */
export const parseMesonRecipe = (text: string, file: string, lock?: SourceLock): LoadedMesonRecipe =>
  loadRecipe<MesonPackageRecipe>(text, file, { type: 'MesonPackageRecipe', check, sources: (r) => [r.source, ...r.buildWheels] }, lock);

/** Expands "{<upstream>.includeDir}" in cross-file properties. */
export function expandCrossProperties(properties: Record<string, string | boolean>, upstream: Record<string, { includeDirs: string[] }>): Record<string, string | boolean> {
  return Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [
      k,
      typeof v !== 'string'
        ? v
        : v.replace(/\{([\w-]+)\.includeDir\}/g, (_, name: string) => {
            const dir = upstream[name]?.includeDirs[0];
            if (!dir) throw new WasiPystackError(`cross property ${k} names ${name}.includeDir, and no upstream output of ${name} with an include folder was given`, `add the step that builds ${name} to the step file's upstream`);
            return dir;
          }),
    ]),
  );
}
