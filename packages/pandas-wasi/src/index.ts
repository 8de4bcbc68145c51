import { join } from 'node:path';
import { buildMesonPackage, findMesonRecipe, readLock, readStepFile, stepRecipe, type LoadedMesonRecipe } from '@wasi-pystack/core';

/** pandas' recipes: one JSON file per supported version line (see recipes/*.json and core's MesonPackageRecipe). */
export const RECIPES_DIR = join(__dirname, '..', 'recipes');
/** This step in core's registry: its builder, upstream steps and configurations (default, pandas3). */
export const STEP_FILE = join(__dirname, '..', 'wasi-step.json');
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
  /** A configuration of the step file ("default", "pandas3"); ignored when `recipe` is given. */
  configuration?: string;
  /** A recipe name from recipes/ ("pandas-3.0") or the path of a recipe file. Default: DEFAULT_RECIPE. */
  recipe?: string;
}

/** A recipe by name or path, or else the recipe of a configuration of the step file (default: the default one). */
export function pandasRecipe(nameOrPath?: string, workspaceRoot?: string, configuration?: string): LoadedMesonRecipe {
  const lock = workspaceRoot ? readLock(workspaceRoot) : undefined;
  if (nameOrPath) return findMesonRecipe(RECIPES_DIR, nameOrPath, lock);
  return stepRecipe(readStepFile(STEP_FILE), configuration, lock).recipe as LoadedMesonRecipe;
}

/** Builds pandas' extension modules as static archives and its Python package; see README.md. */
export async function buildPandasWasi(options: PandasWasiOptions): Promise<{ outDir: string; version: string }> {
  const recipe = pandasRecipe(options.recipe, options.workspaceRoot, options.configuration);
  // The recipe names its hook (cython-patcher: Cython, then unique init symbols); core loads it.
  return buildMesonPackage(recipe, { workspaceRoot: options.workspaceRoot, pythonWasi: options.pythonWasi, upstream: { numpy: options.numpyWasi }, outDir: options.outDir, jobs: options.jobs });
}
