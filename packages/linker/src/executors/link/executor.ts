import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { reportFailure } from '@wasi-pystack/core';
import { link, type LinkOptions } from '../../index';
import type { LinkExecutorOptions } from './schema';

export function normalizeOptions(options: LinkExecutorOptions, workspaceRoot: string): LinkOptions {
  return {
    workspaceRoot,
    inputs: options.inputs.map((i) => join(workspaceRoot, i)),
    bundle: join(workspaceRoot, options.bundle),
    kind: options.kind ?? 'command',
    output: join(workspaceRoot, options.outputPath),
    strip: options.strip ?? true,
    snapshot: options.snapshot ?? true,
    optimize: options.optimize ?? true,
    maxMemory: options.maxMemory,
    exceptions: options.exceptions,
  };
}

export default async function linkExecutor(options: LinkExecutorOptions, context: ExecutorContext) {
  try {
    const result = await link(normalizeOptions(options, context.root));
    console.log(`linked ${options.outputPath} (${(result.bytes / 1e6).toFixed(1)} MB, ${options.kind ?? 'command'}${options.kind === 'reactor' && options.snapshot !== false ? ', snapshot' : ''})`);
    return { success: true };
  } catch (e) {
    reportFailure(e);
    return { success: false };
  }
}
