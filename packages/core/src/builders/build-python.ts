// The native "build" Python: CPython for this machine, built from the pinned source. The cross build
// of CPython runs it, and so does every later step (meson, Cython, the target-python wrapper). It
// lives only in the step cache; manifests name it by its place in the cache, so an output restored
// from a remote cache on another machine still finds (or rebuilds) it.
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { runStep } from '../engine/step-engine';
import { getSource, type SourceLock } from '../lock';
import { log } from '../log';
import { requireBuildPython, type BuildManifest } from '../manifest';
import { runAll, type Command } from '../run';
import { cacheRoot } from '../workspace-facts';
import { BUILD_TOOLS } from '../toolchain';

/**
 * What the build Python is configured with, besides its prefix. No test modules: nothing runs
 * CPython's own tests with it, and Lib/test is 1,054 of the 1,751 .py files its install copies and
 * compiles three times (-O0, -O1, -O2), besides a dozen _test* extension modules.
 */
export const BUILD_PYTHON_CONFIGURE_ARGS = ['--without-ensurepip', '--disable-test-modules'];

export interface BuildPythonContext {
  src: string;
  buildDir: string;
  installDir: string;
  jobs: number;
}

/** configure, make, install: a plain native CPython without ensurepip and test modules. */
export function planBuildPython(ctx: BuildPythonContext): Command[] {
  return [
    { argv: [join(ctx.src, 'configure'), `--prefix=${ctx.installDir}`, ...BUILD_PYTHON_CONFIGURE_ARGS], cwd: ctx.buildDir },
    { argv: [BUILD_TOOLS.make, `-j${ctx.jobs}`], cwd: ctx.buildDir },
    { argv: [BUILD_TOOLS.make, 'install'], cwd: ctx.buildDir },
  ];
}

/** The build Python of this lock, from the step cache or built now; returns its executable. */
export async function ensureBuildPython(lock: SourceLock, jobs: number, sourceKey: string): Promise<string> {
  const cpython = getSource(lock, sourceKey);
  const step = await runStep({
    step: 'build-python',
    what: `CPython ${cpython.version} build-python (native)`,
    recipe: { configure: BUILD_PYTHON_CONFIGURE_ARGS },
    source: cpython,
    code: [__filename],
    phases: [
      {
        name: 'configure, make, install',
        run: async ({ src, work, out, logFile }) => {
          const buildDir = join(work, 'build');
          mkdirSync(buildDir, { recursive: true });
          // Installed into the temporary folder the cache renames: CPython finds its prefix from the
          // executable's location, so the installation works from the final folder.
          await runAll(planBuildPython({ src, buildDir, installDir: out, jobs }), { logFile });
        },
      },
    ],
  });
  const [major, minor] = cpython.version.split('.');
  return join(step.outDir, 'bin', `python${major}.${minor}`);
}

/** How a manifest names the build Python: its path inside the step cache, the same on every machine. */
export function buildPythonFact(executable: string): string {
  const inCache = relative(cacheRoot(), executable);
  return inCache.startsWith('..') || isAbsolute(inCache) ? executable : inCache;
}

/**
 * The build Python a python-wasi manifest names, rebuilt into this machine's step cache when it is
 * missing there (the manifest came from a remote cache, or the cache was pruned).
 */
export async function ensureManifestBuildPython(manifest: BuildManifest & { dir: string }, lock: SourceLock, jobs: number): Promise<string> {
  try {
    return requireBuildPython(manifest);
  } catch (error) {
    // The interpreter's manifest names the lock key of its source (the same source builds the build Python).
    const key = manifest.facts.source;
    if (!key || !lock.sources[key] || manifest.facts.pythonVersion !== lock.sources[key].version) throw error;
    const cpython = getSource(lock, key);
    log(`the build Python of ${manifest.dir} is not in this machine's cache: building CPython ${cpython.version} natively`);
    const rebuilt = await ensureBuildPython(lock, jobs, key);
    return requireBuildPython({ ...manifest, facts: { ...manifest.facts, buildPython: buildPythonFact(rebuilt) } });
  }
}
