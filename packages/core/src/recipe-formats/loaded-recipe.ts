import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { WasiPystackError } from '../errors';
import type { SourceLock } from '../lock';
import { collectPatches } from '../patches';
import { parseChecked, string, stringOrList, type Check } from './validate';

/**
 * The one reader of recipe files. Every recipe format (CPython's, meson's, setuptools', C
 * extensions') is a typed object checked key by key; the paths it names (patches, the cast allow
 * list, a library recipes file) are relative to the recipe file, and every lock key it names must be
 * pinned. A problem is one error naming the file and each key path.
 */
export interface RecipeFiles {
  /** Lock key of the source. */
  source: string;
  patches?: string | string[];
  castAllowList?: string;
  libraries?: string;
}

/** The fields every package recipe starts with (meson, setuptools, C extensions). */
export interface PackageRecipeFields {
  /** The import name of the package, also the name of the step's manifest ("numpy"). */
  package: string;
  /** Lock key of its sdist. */
  source: string;
  /**
   * Patch folders and files (every .patch of a folder), applied to the source in the order of their
   * file names, relative to the recipe file. A patch two versions share lives in one place.
   */
  patches?: string | string[];
  /** Reviewed function-pointer casts (core/src/function-casts), relative to the recipe file; missing file = none reviewed. */
  castAllowList?: string;
}

/** The checks of PackageRecipeFields, for a format's own check. */
export const PACKAGE_RECIPE_KEYS = { package: string, source: string, 'patches?': stringOrList, 'castAllowList?': string };

/** What loading adds to a recipe: where it lies and its files, made absolute. */
export interface LoadedRecipeFiles {
  /** The recipe file. */
  file: string;
  /** Its name: the file name without .json ("numpy-2.4"). */
  name: string;
  /** Every patch, in order (a folder's patches sorted). */
  patchFiles: string[];
  castAllowListFile?: string;
  librariesFile?: string;
}

export type Loaded<R> = R & LoadedRecipeFiles;

export interface RecipeFormat<R> {
  /** The TypeScript interface that documents the format ("MesonPackageRecipe"): named in every error. */
  type: string;
  check: Check;
  /** Every lock key the recipe names (its source first). */
  sources(recipe: R): string[];
  /** Problems the key checks cannot see, as "key/path: what is wrong". */
  problems?(recipe: R, lock?: SourceLock): string[];
}

/** Parses and checks a recipe's text; with a lock, also that every lock key it names is pinned. */
export function loadRecipe<R extends RecipeFiles>(text: string, file: string, format: RecipeFormat<R>, lock?: SourceLock): Loaded<R> {
  const fix = `correct the keys named above (see ${format.type} in @wasi-pystack/core)`;
  const recipe = parseChecked<R>(text, file, format.check, fix);
  if (lock) {
    const unpinned = format.sources(recipe).filter((k) => !lock.sources[k]);
    if (unpinned.length) throw new WasiPystackError(`${file} names sources the lock does not pin`, `pin them in ${lock.path}, or correct the recipe`, unpinned.map((k) => `${k}: not a key under sources in ${lock.path}`));
  }
  const problems = format.problems?.(recipe, lock) ?? [];
  if (problems.length) throw new WasiPystackError(`${file} has ${problems.length} problem(s)`, fix, problems);
  const at = (p: string) => (isAbsolute(p) ? p : join(dirname(file), p));
  const patches = recipe.patches === undefined ? [] : Array.isArray(recipe.patches) ? recipe.patches : [recipe.patches];
  return {
    ...recipe,
    file,
    name: basename(file).replace(/\.json$/, ''),
    patchFiles: collectPatches(patches.map(at)),
    castAllowListFile: recipe.castAllowList === undefined ? undefined : at(recipe.castAllowList),
    librariesFile: recipe.libraries === undefined ? undefined : at(recipe.libraries),
  };
}

/** A recipe file's text, or one error naming the file. */
export function readRecipeText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new WasiPystackError(`no recipe at ${file}`, 'name a recipe file that exists (the step file names its recipes relative to itself)');
  }
}

/**
 * The recipe as it goes into a step's cache key: its content, never where its files lie (the
 * patches, the cast allow list and the libraries go into the key by their content, elsewhere).
 */
export function recipeContent<R extends RecipeFiles>(recipe: Loaded<R>): Record<string, unknown> {
  const { file: _f, name: _n, patchFiles: _p, patches: _ps, castAllowListFile: _c, castAllowList: _ca, librariesFile: _l, libraries: _li, $comment: _comment, ...content } = recipe as Loaded<R> & { $comment?: unknown };
  return content;
}
