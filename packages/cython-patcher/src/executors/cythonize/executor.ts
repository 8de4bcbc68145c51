import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { reportFailure } from '@wasi-pystack/core';
import { cythonize, cythonPython } from '../../index';
import type { CythonizeExecutorOptions } from './schema';

export default async function cythonizeExecutor(options: CythonizeExecutorOptions, context: ExecutorContext) {
  try {
    const root = join(context.root, options.root);
    const python = await cythonPython(context.root, join(context.root, options.pythonWasi ?? 'dist/python-wasi'));
    const out = join(context.root, options.outputPath);
    const files = await cythonize({ python, root, sources: options.sources.map((s) => join(root, s)), outDir: out, cplus: options.cplus, logFile: join(out, 'cythonize.log') });
    console.log(`cythonized and patched ${files.length} module(s) -> ${options.outputPath}`);
    return { success: true };
  } catch (e) {
    reportFailure(e);
    return { success: false };
  }
}
