import type { ExecutorContext } from '@nx/devkit';
import { reportFailure } from '@wasi-pystack/core';
import { lockCommand } from '../../lock-command';
import type { LockExecutorOptions } from './schema';

/** Pins a project's dependencies in the workspace's lock (see lock-command.ts). */
export default async function lockExecutor(options: LockExecutorOptions, context: ExecutorContext) {
  try {
    await lockCommand(context.root, options.project, { dryRun: options.dryRun });
    return { success: true };
  } catch (e) {
    reportFailure(e);
    return { success: false };
  }
}
