import { join } from 'node:path';
import { WasiPystackError, queryCommand, runCommand, timed, type MesonBuildContext, type MesonBuildHooks } from '@wasi-pystack/core';
import { patchCythonFile } from './patch-files';
import { uniqueInitSymbol } from './unique-init';

/** Cython's generated sources in a meson build dir (<target>.p/<path>.pyx.c|cpp) with their module names. */
export function generatedCythonSources(ninja: string, buildDir: string, logFile?: string): { file: string; module: string }[] {
  const targets = queryCommand({ argv: [ninja, '-t', 'targets', 'all'], cwd: buildDir }, { logFile });
  return targets
    .split('\n')
    .map((l) => l.split(':')[0])
    .filter((t) => /\.pyx\.(c|cpp)$/.test(t))
    .map((file) => ({ file, module: file.split('.p/').pop()!.replace(/\.pyx\.(c|cpp)$/, '').split('/').join('.') }));
}

/**
 * Cython through meson, for any meson package with Cython modules (a recipe's `"hooks":
 * ["cython-patcher"]`; pandas): Cython runs first (through meson's own edges), then every generated
 * module gets a unique init symbol, then core's meson pipeline compiles.
 */
export async function cythonizeAndPatch(ctx: MesonBuildContext) {
  const ninja = ctx.toolchain.ninja;
  const generated = generatedCythonSources(ninja, ctx.build, ctx.logFile);
  const targets = generated.map((g) => g.file);
  await timed(`Cython on ${generated.length} ${ctx.recipe.package} modules`, async () => {
    // Cython's depfiles reveal inputs (.pxd, generated .pxi) only after a first run; run until ninja
    // has nothing left to regenerate, so no later build step re-runs Cython over patched files.
    for (let round = 0; round < 4; round++) {
      await runCommand({ argv: [ninja, `-j${ctx.jobs}`, ...targets], cwd: ctx.build, env: ctx.env }, { logFile: ctx.logFile });
      const pending = queryCommand({ argv: [ninja, '-n', ...targets], cwd: ctx.build, env: ctx.env }, { logFile: ctx.logFile });
      if (!/Compiling Cython/.test(pending)) return;
    }
    throw new WasiPystackError(`Cython keeps regenerating ${ctx.recipe.package} sources`, `see ${ctx.logFile}`);
  });
  for (const g of generated) patchCythonFile(join(ctx.build, g.file), g.module);
  const cythonModules = new Set(generated.map((g) => g.module));
  return { initSymbolFor: (m: { name: string; initSymbol: string }) => (cythonModules.has(m.name) ? uniqueInitSymbol(m.name) : m.initSymbol) };
}

/** What core's meson pipeline loads for a recipe naming the hook "cython-patcher". */
export const mesonHooks: MesonBuildHooks = { beforeExtensions: cythonizeAndPatch, code: [__filename] };
