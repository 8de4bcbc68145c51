import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { availableParallelism } from 'node:os';
import { cachedStep, ensureManifestBuildPython, fetchSource, getSource, readLock, readManifest, runAll, runCommand } from '@wasi-pystack/core';
import { patchCythonFile } from './patch-files';

export interface CythonizeOptions {
  /** A Python with the pinned Cython installed. */
  python: string;
  /** Package root: module names are paths below it (a/b/c.pyx -> a.b.c). */
  root: string;
  /** .pyx files below root. */
  sources: string[];
  outDir: string;
  cplus?: boolean;
  includeDirs?: string[];
  logFile: string;
}

/** Runs Cython over .pyx files and patches its output for static linking. Returns the generated files. */
export async function cythonize(options: CythonizeOptions): Promise<{ module: string; file: string }[]> {
  const out: { module: string; file: string }[] = [];
  for (const source of options.sources) {
    const rel = relative(options.root, source);
    const module = rel.replace(/\.pyx$/, '').split('/').join('.');
    const file = join(options.outDir, rel.replace(/\.pyx$/, options.cplus ? '.cpp' : '.c'));
    mkdirSync(dirname(file), { recursive: true });
    const argv = [options.python, '-m', 'cython', '-3', '--module-name', module, ...(options.cplus ? ['--cplus'] : []), ...(options.includeDirs ?? []).flatMap((d) => ['-I', d]), source, '-o', file];
    await runCommand({ argv, cwd: options.root }, { logFile: options.logFile });
    patchCythonFile(file, module);
    out.push({ module, file });
  }
  return out;
}

/**
 * A venv of python-wasi's native build Python with the pinned Cython, cached outside the clone.
 * Returns its python, for cythonize().
 */
export async function cythonPython(workspaceRoot: string, pythonWasi: string): Promise<string> {
  const lock = readLock(workspaceRoot);
  const cython = getSource(lock, 'cython');
  const python = readManifest(pythonWasi);
  const buildPython = await ensureManifestBuildPython(python, lock, availableParallelism());
  // Keyed by the build Python's place in the cache (python.facts.buildPython), the same on every machine.
  const { outDir } = await cachedStep({ step: 'cython-venv', key: { cython: cython.sha256, buildPython: python.facts.buildPython } }, async (out, work, logFile) => {
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
