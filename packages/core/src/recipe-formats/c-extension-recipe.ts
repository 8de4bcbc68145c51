import type { SourceLock } from '../lock';
import { loadRecipe, PACKAGE_RECIPE_KEYS, type Loaded, type PackageRecipeFields } from './loaded-recipe';
import { listOf, object, oneOf, string } from './validate';

export const C_EXTENSION_RECIPE_FORMAT = 'wasi-pystack-c-extension-recipe/1';

/**
 * A Python package whose C extension modules are a few C files, as data: each module's sources are
 * compiled for wasm32-wasip1 against python-wasi's headers into a static archive, with a unique init
 * symbol after its dotted name, and the package's Python files go to site-packages. Paths are
 * relative to the unpacked source (sources, packages) or to the recipe file (patches, castAllowList).
 */
export interface CExtensionRecipe extends PackageRecipeFields {
  format: typeof C_EXTENSION_RECIPE_FORMAT;
  extensions: {
    /** Dotted module name ("markupsafe._speedups"). */
    name: string;
    /** C files, relative to the unpacked source. */
    sources: string[];
    /** Further compiler arguments (-D, -I relative to the source). */
    cflags?: string[];
  }[];
  python: {
    /** Package folders, relative to the unpacked source; each is copied to site-packages/<its name>. */
    packages: string[];
    /** Paths below site-packages that never go into a bundle. */
    bundleExcludes?: string[];
  };
  /** Extra link arguments of the finished module. */
  linkArgs?: string[];
}

const check = object({
  format: oneOf(C_EXTENSION_RECIPE_FORMAT),
  ...PACKAGE_RECIPE_KEYS,
  extensions: listOf(object({ name: string, sources: listOf(string), 'cflags?': listOf(string) })),
  python: object({ packages: listOf(string), 'bundleExcludes?': listOf(string) }),
  'linkArgs?': listOf(string),
});

export type LoadedCExtensionRecipe = Loaded<CExtensionRecipe>;

const MODULE_NAME = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

export const parseCExtensionRecipe = (text: string, file: string, lock?: SourceLock): LoadedCExtensionRecipe =>
  loadRecipe<CExtensionRecipe>(text, file, {
    type: 'CExtensionRecipe',
    check,
    sources: (r) => [r.source],
    problems: (r) => r.extensions.flatMap((e, i) => (MODULE_NAME.test(e.name) ? [] : [`extensions/${i}/name: '${e.name}' is not a dotted module name`])),
  }, lock);
