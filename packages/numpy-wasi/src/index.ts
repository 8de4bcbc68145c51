import { join } from 'node:path';
import { buildRegisteredStep, readLock, readStepFile, stepRecipe, type LoadedMesonRecipe } from '@wasi-pystack/core';

/** This step in core's registry: its builder (meson), upstream steps and configurations (default, pandas3). Core builds it. */
export const STEP_FILE = join(__dirname, '..', 'wasi-step.json');

export interface NumpyWasiOptions {
  workspaceRoot: string;
  /** The python-wasi output folder (with wasi-manifest.json). */
  pythonWasi: string;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
  /** A configuration of the step file ("default", "pandas3"). */
  configuration?: string;
  /** A meson recipe file that replaces the configuration's. */
  recipe?: string;
}

/** The recipe of a configuration of the step file (default: the default one). */
export function numpyRecipe(configuration?: string, workspaceRoot?: string): LoadedMesonRecipe {
  return stepRecipe<LoadedMesonRecipe>(readStepFile(STEP_FILE), configuration, workspaceRoot ? readLock(workspaceRoot) : undefined).recipe;
}

/** Builds NumPy's extension modules as static archives and its Python package, as nx-plugin's compile does; see README.md. */
export async function buildNumpyWasi(options: NumpyWasiOptions): Promise<{ outDir: string; version: string }> {
  const { pythonWasi, ...rest } = options;
  return buildRegisteredStep(readStepFile(STEP_FILE), { ...rest, upstream: { 'python-wasi': pythonWasi } });
}
