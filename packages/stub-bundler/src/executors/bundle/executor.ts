import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { reportFailure } from '@wasi-pystack/core';
import { bundle, type BundleOptions } from '../../index';
import type { BundleExecutorOptions } from './schema';

export function normalizeOptions(options: BundleExecutorOptions, workspaceRoot: string): BundleOptions {
  return {
    workspaceRoot,
    inputs: options.inputs.map((i) => join(workspaceRoot, i)),
    project: options.project ? join(workspaceRoot, options.project) : undefined,
    wheels: options.wheels ?? [],
    stubs: options.stubs ?? [],
    outDir: join(workspaceRoot, options.outputPath),
    ...(options.optimize !== undefined ? { optimize: options.optimize } : {}),
  };
}

export default async function bundleExecutor(options: BundleExecutorOptions, context: ExecutorContext) {
  try {
    const info = await bundle(normalizeOptions(options, context.root));
    console.log(`bundle: ${info.files} files, ${(info.bytes / 1e6).toFixed(1)} MB -> ${options.outputPath}`);
    return { success: true };
  } catch (e) {
    reportFailure(e);
    return { success: false };
  }
}
