import type { ExecutorContext } from '@nx/devkit';
import { buildRegisteredStepLibraries, readStepFile, reportFailure, resolveStepFileOption } from '@wasi-pystack/core';
import type { LibrariesExecutorOptions } from './schema';

/**
 * Builds a step's own C libraries into the step cache. They need none of the step's upstream steps,
 * so this target has no dependencies and runs beside them; the output is the step cache entry, which
 * the step's compile reuses (or builds itself if it is gone).
 */
export default async function librariesExecutor(options: LibrariesExecutorOptions, context: ExecutorContext) {
  try {
    const stepFile = resolveStepFileOption(options.step, context.root);
    const { outDir } = await buildRegisteredStepLibraries(readStepFile(stepFile), { workspaceRoot: context.root, configuration: options.configuration, jobs: options.jobs });
    console.log(outDir ? `${options.step}: C libraries in ${outDir}` : `${options.step}: no C libraries of its own`);
    return { success: true };
  } catch (e) {
    reportFailure(e);
    return { success: false };
  }
}
