import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { reportFailure } from '@wasi-pystack/core';
import { buildPandasWasi, type PandasWasiOptions } from '../../index';
import type { CompileExecutorOptions } from './schema';

export function normalizeOptions(options: CompileExecutorOptions, workspaceRoot: string): PandasWasiOptions {
  return {
    workspaceRoot,
    pythonWasi: join(workspaceRoot, options.upstream?.['python-wasi'] ?? options.pythonWasi ?? 'dist/python-wasi'),
    numpyWasi: join(workspaceRoot, options.upstream?.['numpy-wasi'] ?? options.numpyWasi ?? 'dist/numpy-wasi'),
    outDir: join(workspaceRoot, options.outputPath ?? 'dist/pandas-wasi'),
    jobs: options.jobs,
    configuration: options.configuration,
    recipe: options.recipe && options.recipe.endsWith('.json') ? join(workspaceRoot, options.recipe) : options.recipe,
  };
}

export default async function compileExecutor(options: CompileExecutorOptions, context: ExecutorContext) {
  try {
    await buildPandasWasi(normalizeOptions(options, context.root));
    return { success: true };
  } catch (e) {
    reportFailure(e);
    return { success: false };
  }
}
