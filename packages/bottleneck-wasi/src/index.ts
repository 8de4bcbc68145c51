import { join } from 'node:path';
import { buildRegisteredStep, readStepFile, stepRecipe, type LoadedStepRecipe } from '@wasi-pystack/core';

/** This step in core's registry: builder setuptools, upstream python-wasi and numpy-wasi. */
export const STEP_FILE = join(__dirname, '..', 'wasi-step.json');
/** Patches of the recipe, each with its reason. */
export const PATCHES_DIR = join(__dirname, '..', 'patches');

export interface BottleneckWasiOptions {
  workspaceRoot: string;
  /** The python-wasi output folder (with wasi-manifest.json). */
  pythonWasi: string;
  /** The numpy-wasi output folder: the build compiles against its headers. */
  numpyWasi: string;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
}

/** The recipe the step builds (core's setuptools recipe). */
export const bottleneckRecipe = (): LoadedStepRecipe => stepRecipe(readStepFile(STEP_FILE));

/** Builds bottleneck's extension modules as static archives and its Python package; see README.md. */
export async function buildBottleneckWasi(options: BottleneckWasiOptions): Promise<{ outDir: string; version: string }> {
  return buildRegisteredStep(readStepFile(STEP_FILE), { workspaceRoot: options.workspaceRoot, upstream: { 'python-wasi': options.pythonWasi, 'numpy-wasi': options.numpyWasi }, outDir: options.outDir, jobs: options.jobs });
}
