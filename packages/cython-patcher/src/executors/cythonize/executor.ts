import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { cachedStep, fetchSource, getSource, readLock, readManifest, reportFailure, runAll } from '@wasi-pystack/core';
import { cythonize } from '../../index';
import type { CythonizeExecutorOptions } from './schema';

/** A venv of the build Python with the pinned Cython, cached outside the clone. */
async function cythonPython(workspaceRoot: string, pythonWasi: string): Promise<string> {
  const lock = readLock(workspaceRoot);
  const cython = getSource(lock, 'cython');
  const buildPython = readManifest(pythonWasi).facts.buildPython;
  const { outDir } = await cachedStep({ step: 'cython-venv', key: { cython: cython.sha256, buildPython } }, async (out, work, logFile) => {
    await runAll(
      [
        { argv: [buildPython, '-m', 'venv', out], cwd: work },
        { argv: [join(out, 'bin', 'python'), '-m', 'pip', 'install', '--no-index', '--no-deps', '--quiet', await fetchSource(cython)], cwd: work },
      ],
      { logFile },
    );
  });
  return join(outDir, 'bin', 'python');
}

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
