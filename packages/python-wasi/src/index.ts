import { join } from 'node:path';
import { buildRegisteredStep, readLock, readStepFile, stepRecipe, type LoadedCPythonRecipe } from '@wasi-pystack/core';

/** This step in core's registry: its builder (cpython) and its one configuration. Core builds it. */
export const STEP_FILE = join(__dirname, '..', 'wasi-step.json');
/** The C libraries behind stdlib modules, as data (core's library recipes format); the recipe names it. */
export const LIBRARY_RECIPES_FILE = join(__dirname, '..', 'recipes', 'libraries.json');

export interface PythonWasiOptions {
  workspaceRoot: string;
  /** Where the finished output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
  /** A CPython recipe file that replaces the step's. */
  recipe?: string;
}

/** The CPython recipe of the step file: configure flags and cache, Setup.local, what the stdlib keeps. */
export function cpythonRecipe(workspaceRoot?: string): LoadedCPythonRecipe {
  return stepRecipe<LoadedCPythonRecipe>(readStepFile(STEP_FILE), undefined, workspaceRoot ? readLock(workspaceRoot) : undefined).recipe;
}

/**
 * Builds CPython for wasm32-wasip1 from the step file, as nx-plugin's compile does (core's
 * buildRegisteredStep): the C libraries, the native build Python, then the host Python. Each phase is
 * cached outside the clone; the result is copied to options.outDir.
 */
export async function buildPythonWasi(options: PythonWasiOptions): Promise<{ outDir: string; version: string }> {
  return buildRegisteredStep(readStepFile(STEP_FILE), { workspaceRoot: options.workspaceRoot, outDir: options.outDir, jobs: options.jobs, recipe: options.recipe, upstream: {} });
}
