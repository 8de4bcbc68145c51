import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { reportFailure } from '@wasi-pystack/core';
import { buildPythonWasi, type PythonWasiOptions } from '../../index';
import type { CompileExecutorOptions } from './schema';

export function normalizeOptions(options: CompileExecutorOptions, workspaceRoot: string): PythonWasiOptions {
  return { workspaceRoot, outDir: join(workspaceRoot, options.outputPath ?? 'dist/python-wasi'), jobs: options.jobs };
}

export default async function compileExecutor(options: CompileExecutorOptions, context: ExecutorContext) {
  try {
    const result = await buildPythonWasi(normalizeOptions(options, context.root));
    console.log(`CPython ${result.version} for wasm32-wasip1 -> ${result.outDir}`);
    return { success: true };
  } catch (e) {
    reportFailure(e);
    return { success: false };
  }
}
