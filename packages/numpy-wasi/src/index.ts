import { join } from 'node:path';
import { buildMesonPackage, findMesonRecipe, readLock, readStepFile, stepRecipe, type LoadedMesonRecipe } from '@wasi-pystack/core';

/** NumPy's recipes: one JSON file per supported version line (see recipes/*.json and core's MesonPackageRecipe). */
export const RECIPES_DIR = join(__dirname, '..', 'recipes');
/** This step in core's registry: its builder, upstream steps and configurations (default, pandas3). */
export const STEP_FILE = join(__dirname, '..', 'wasi-step.json');
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
  /** A configuration of the step file ("default", "pandas3"); ignored when `recipe` is given. */
  configuration?: string;
  /** A recipe name from recipes/ ("numpy-2.5") or the path of a recipe file. Default: DEFAULT_RECIPE. */
  recipe?: string;
}

/** A recipe by name or path, or else the recipe of a configuration of the step file (default: the default one). */
export function numpyRecipe(nameOrPath?: string, workspaceRoot?: string, configuration?: string): LoadedMesonRecipe {
  const lock = workspaceRoot ? readLock(workspaceRoot) : undefined;
  if (nameOrPath) return findMesonRecipe(RECIPES_DIR, nameOrPath, lock);
  return stepRecipe(readStepFile(STEP_FILE), configuration, lock).recipe as LoadedMesonRecipe;
}

/** Builds NumPy's extension modules as static archives and its Python package; see README.md. */
export async function buildNumpyWasi(options: NumpyWasiOptions): Promise<{ outDir: string; version: string }> {
  const recipe = numpyRecipe(options.recipe, options.workspaceRoot, options.configuration);
  return buildMesonPackage(recipe, { workspaceRoot: options.workspaceRoot, pythonWasi: options.pythonWasi, outDir: options.outDir, jobs: options.jobs });
}
