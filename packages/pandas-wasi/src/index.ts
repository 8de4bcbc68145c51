import { join } from 'node:path';
import { buildRegisteredStep, readLock, readStepFile, stepRecipe, type LoadedMesonRecipe } from '@wasi-pystack/core';

/** This step in core's registry: its builder (meson), upstream steps and configurations (default, pandas3). Core builds it. */
export const STEP_FILE = join(__dirname, '..', 'wasi-step.json');

export interface PandasWasiOptions {
  workspaceRoot: string;
  /** The python-wasi output folder. */
  pythonWasi: string;
  /** The numpy-wasi output folder, built in the same configuration. */
  numpyWasi: string;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
  /** A configuration of the step file ("default", "pandas3"). */
  configuration?: string;
  /** A meson recipe file that replaces the configuration's. */
  recipe?: string;
}

/** The recipe of a configuration of the step file (default: the default one). */
export function pandasRecipe(configuration?: string, workspaceRoot?: string): LoadedMesonRecipe {
  return stepRecipe<LoadedMesonRecipe>(readStepFile(STEP_FILE), configuration, workspaceRoot ? readLock(workspaceRoot) : undefined).recipe;
}

/**
 * Builds pandas' extension modules as static archives and its Python package, as nx-plugin's compile
 * does; the recipe names its hook (cython-patcher: Cython, then unique init symbols). See README.md.
 */
export async function buildPandasWasi(options: PandasWasiOptions): Promise<{ outDir: string; version: string }> {
  const { pythonWasi, numpyWasi, ...rest } = options;
  return buildRegisteredStep(readStepFile(STEP_FILE), { ...rest, upstream: { 'python-wasi': pythonWasi, 'numpy-wasi': numpyWasi } });
}
