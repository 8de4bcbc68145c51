import type { SourceLock } from '../lock';
import { loadRecipe, PACKAGE_RECIPE_KEYS, type Loaded, type PackageRecipeFields } from './loaded-recipe';
import { listOf, mapOf, object, oneOf, string } from './validate';

export const SETUPTOOLS_RECIPE_FORMAT = 'wasi-pystack-setuptools-recipe/1';

/**
 * A Python package built by its own PEP 517 backend (setuptools, or another that compiles through
 * the CC/LDSHARED it is given), as data. The backend builds a wheel with the native build Python;
 * each compile runs the wasm32-wasip1 compiler against the target's headers, each extension's
 * "shared library" is a record of its objects, and the builder turns every record into a static
 * archive with a unique init symbol (see builders/setuptools.ts). Paths of patches and the cast
 * allow list are relative to the recipe file.
 */
export interface SetuptoolsRecipe extends PackageRecipeFields {
  format: typeof SETUPTOOLS_RECIPE_FORMAT;
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
  ...PACKAGE_RECIPE_KEYS,
  buildRequires: listOf(string),
  extensions: listOf(string),
  'configSettings?': mapOf(string),
  'env?': mapOf(string),
  'python?': object({ 'bundleExcludes?': listOf(string) }),
  'linkArgs?': listOf(string),
});

export type LoadedSetuptoolsRecipe = Loaded<SetuptoolsRecipe>;

export const parseSetuptoolsRecipe = (text: string, file: string, lock?: SourceLock): LoadedSetuptoolsRecipe =>
  loadRecipe<SetuptoolsRecipe>(text, file, {
    type: 'SetuptoolsRecipe',
    check,
    sources: (r) => [r.source, ...r.buildRequires],
    // A build requirement is imported by the build Python as it is: a pure-Python wheel.
    problems: (r, lock) => (lock ? r.buildRequires.filter((k) => !lock.sources[k].file.endsWith('.whl')).map((k) => `buildRequires: ${k} is ${lock.sources[k].file}, not the pure-Python wheel (py3-none-any) it must be`) : []),
  }, lock);
