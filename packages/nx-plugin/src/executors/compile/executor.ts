import { isAbsolute, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { buildRegisteredStep, readStepFile, reportFailure, type BuildStepOptions } from '@wasi-pystack/core';
import type { CompileExecutorOptions } from './schema';

const inWorkspace = (root: string, p: string) => (isAbsolute(p) ? p : join(root, p));

export function normalizeOptions(options: CompileExecutorOptions, workspaceRoot: string): { stepFile: string; build: BuildStepOptions } {
  return {
    stepFile: inWorkspace(workspaceRoot, options.step),
    build: {
      workspaceRoot,
      configuration: options.configuration,
      outDir: inWorkspace(workspaceRoot, options.outputPath),
      upstream: Object.fromEntries(Object.entries(options.upstream ?? {}).map(([k, v]) => [k, inWorkspace(workspaceRoot, v)])),
      jobs: options.jobs,
    },
  };
}

/** Builds one registered step: a workspace's own step file with no package of its own needs no TypeScript. */
export default async function compileExecutor(options: CompileExecutorOptions, context: ExecutorContext) {
  try {
    const { stepFile, build } = normalizeOptions(options, context.root);
    const result = await buildRegisteredStep(readStepFile(stepFile), build);
    console.log(`${options.step} ${result.version} for wasm32-wasip1 -> ${result.outDir}`);
    return { success: true };
  } catch (e) {
    reportFailure(e);
    return { success: false };
  }
}
