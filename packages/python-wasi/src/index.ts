import { join } from 'node:path';
import { buildCPython, readCPythonRecipe, readLock, type LoadedCPythonRecipe } from '@wasi-pystack/core';

/** This step in core's registry: its builder and its one configuration. */
export const STEP_FILE = join(__dirname, '..', 'wasi-step.json');

/** CPython's recipe: configure flags and cache, Setup.local, what the stdlib keeps (see core's CPythonRecipe). */
export const RECIPE_FILE = join(__dirname, '..', 'recipes', 'cpython-3.13.json');
/** The C libraries behind stdlib modules, as data (core's library recipes format). */
export const LIBRARY_RECIPES_FILE = join(__dirname, '..', 'recipes', 'libraries.json');
/** Patches to CPython's source, each with its reason (packages/python-wasi/patches). */
export const PATCHES_DIR = join(__dirname, '..', 'patches');

export interface PythonWasiOptions {
  workspaceRoot: string;
  /** Where the finished output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
  /** The path of a CPython recipe file. Default: RECIPE_FILE. */
  recipe?: string;
}

export interface PythonWasiResult {
  outDir: string;
  /** Native build Python, used by later steps (bundling, cross-compiling extensions). */
  buildPython: string;
  version: string;
}

export function cpythonRecipe(file = RECIPE_FILE, workspaceRoot?: string): LoadedCPythonRecipe {
  return readCPythonRecipe(file, workspaceRoot ? readLock(workspaceRoot) : undefined);
}

/**
 * Builds CPython for wasm32-wasip1 from its recipe: the C libraries, the native build Python, then the
 * host Python (core's buildCPython). Each phase is cached outside the clone; the result is copied to
 * options.outDir.
 */
export async function buildPythonWasi(options: PythonWasiOptions): Promise<PythonWasiResult> {
  return buildCPython(cpythonRecipe(options.recipe, options.workspaceRoot), options);
}
