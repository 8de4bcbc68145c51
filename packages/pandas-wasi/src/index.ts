import { join } from 'node:path';
import { buildMesonPackage, findMesonRecipe, readLock, type LoadedMesonRecipe, type MesonPackageOptions } from '@wasi-pystack/core';
import { cythonizeAndPatch } from './cython-hook';

export { cythonizeAndPatch, generatedCythonSources } from './cython-hook';

/** pandas' recipes: one JSON file per supported version line (see recipes/*.json and core's MesonPackageRecipe). */
export const RECIPES_DIR = join(__dirname, '..', 'recipes');
/** The recipe of the default configuration. */
export const DEFAULT_RECIPE = 'pandas-2.3';
/** Patches of the default recipe (packages/pandas-wasi/patches). */
export const PATCHES_DIR = join(__dirname, '..', 'patches');
/** Reviewed function-pointer casts of the default recipe (see core's function-casts). */
export const FUNCTION_CASTS_ALLOW = join(PATCHES_DIR, 'function-casts.allow');

export interface PandasWasiOptions {
  workspaceRoot: string;
  pythonWasi: string;
  numpyWasi: string;
  outDir: string;
  jobs?: number;
  /** A recipe name from recipes/ ("pandas-3.0") or the path of a recipe file. Default: DEFAULT_RECIPE. */
  recipe?: string;
  /**
   * Only for experiments that reproduce other builds (docs/stack-root-cause.md): extra arguments for
   * every compile, and keeping symbols that NumPy's archives define too (no renames).
   */
  experiment?: MesonPackageOptions['experiment'];
}

export function pandasRecipe(nameOrPath = DEFAULT_RECIPE, workspaceRoot?: string): LoadedMesonRecipe {
  return findMesonRecipe(RECIPES_DIR, nameOrPath, workspaceRoot ? readLock(workspaceRoot) : undefined);
}

/** Builds pandas' extension modules as static archives and its Python package; see README.md. */
export async function buildPandasWasi(options: PandasWasiOptions): Promise<{ outDir: string; version: string }> {
  const recipe = pandasRecipe(options.recipe, options.workspaceRoot);
  return buildMesonPackage(
    recipe,
    { workspaceRoot: options.workspaceRoot, pythonWasi: options.pythonWasi, upstream: { numpy: options.numpyWasi }, outDir: options.outDir, jobs: options.jobs, experiment: options.experiment },
    { beforeExtensions: recipe.extensions.patchCython ? cythonizeAndPatch : undefined },
  );
}
