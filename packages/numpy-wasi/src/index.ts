import { join } from 'node:path';
import { buildMesonPackage, findMesonRecipe, readLock, type LoadedMesonRecipe, type MesonPackageOptions } from '@wasi-pystack/core';

/** NumPy's recipes: one JSON file per supported version line (see recipes/*.json and core's MesonPackageRecipe). */
export const RECIPES_DIR = join(__dirname, '..', 'recipes');
/** The recipe of the default configuration. */
export const DEFAULT_RECIPE = 'numpy-2.4';
/** Patches of the default recipe (packages/numpy-wasi/patches). */
export const PATCHES_DIR = join(__dirname, '..', 'patches');
/** Reviewed function-pointer casts of the default recipe (see core's function-casts). */
export const FUNCTION_CASTS_ALLOW = join(PATCHES_DIR, 'function-casts.allow');

export interface NumpyWasiOptions {
  workspaceRoot: string;
  /** The python-wasi output folder (with wasi-manifest.json). */
  pythonWasi: string;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
  /** A recipe name from recipes/ ("numpy-2.5") or the path of a recipe file. Default: DEFAULT_RECIPE. */
  recipe?: string;
  /** Only for experiments (experiments/optimization-levels): extra arguments for every compile. */
  experiment?: MesonPackageOptions['experiment'];
}

export function numpyRecipe(nameOrPath = DEFAULT_RECIPE, workspaceRoot?: string): LoadedMesonRecipe {
  return findMesonRecipe(RECIPES_DIR, nameOrPath, workspaceRoot ? readLock(workspaceRoot) : undefined);
}

/** Builds NumPy's extension modules as static archives and its Python package; see README.md. */
export async function buildNumpyWasi(options: NumpyWasiOptions): Promise<{ outDir: string; version: string }> {
  const recipe = numpyRecipe(options.recipe, options.workspaceRoot);
  return buildMesonPackage(recipe, { workspaceRoot: options.workspaceRoot, pythonWasi: options.pythonWasi, outDir: options.outDir, jobs: options.jobs, experiment: options.experiment });
}
