import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { prefixMapFlags } from '../build-paths';
import { WasiPystackError } from '../errors';
import { castAuditPhase } from '../function-casts/audit';
import { FUNCTION_CAST_WARNING_FLAGS } from '../function-casts/cast-warnings';
import type { BuiltinModule } from '../manifest';
import type { CExtensionRecipe, LoadedCExtensionRecipe } from '../recipe-formats/c-extension-recipe';
import { queryCommand, runAll, type Command } from '../run';
import { definedSymbols } from '../static-link/collisions';
import { ownInitSymbol, staticInitSymbol } from '../static-link/init-symbols';
import type { Toolchain } from '../toolchain';
import { cacheRoot } from '../workspace-facts';
import { preparePackageBuild, runPackageStep, type PackageBuildOptions } from './package-build';

/**
 * The builder of C extension recipes (CExtensionRecipe): each module's C files compiled for
 * wasm32-wasip1 against the interpreter's headers into a static archive whose init function is named
 * after the module's dotted name, and the package's Python files into site-packages.
 */
const mangle = (name: string) => name.replace(/[^\w.-]+/g, '_');

/** The compile commands of one extension module: its init function renamed after its dotted name. */
export function planExtensionCompile(ext: CExtensionRecipe['extensions'][number], ctx: { src: string; buildDir: string; toolchain: Toolchain; includeDirs: string[]; extraFlags: string[] }): { commands: Command[]; objects: string[] } {
  const ownInit = ownInitSymbol(ext.name);
  const objects: string[] = [];
  const commands = ext.sources.map((source, i) => {
    const object = join(ctx.buildDir, `${mangle(ext.name)}.${i}.${basename(source).replace(/\.c$/, '')}.o`);
    objects.push(object);
    return {
      argv: [ctx.toolchain.cc, '-c', '-O2', '-g0', '-DNDEBUG', `-D${ownInit}=${staticInitSymbol(ext.name)}`, ...ctx.includeDirs.map((d) => `-I${d}`), ...ctx.extraFlags, ...(ext.cflags ?? []), join(ctx.src, source), '-o', object],
      cwd: ctx.src,
    };
  });
  return { commands, objects };
}

/** Builds a C extension recipe on the step engine; see CExtensionRecipe. */
export async function buildCExtensionPackage(recipe: LoadedCExtensionRecipe, options: PackageBuildOptions): Promise<{ outDir: string; version: string }> {
  const build = await preparePackageBuild(recipe, options);
  const { toolchain, python, source } = build;
  const modules: BuiltinModule[] = [];
  const libraries: string[] = [];
  return runPackageStep(recipe, options, build, {
    code: [__filename],
    phases: [
    {
      name: 'extension modules',
      run: async ({ src, work, out, logFile }) => {
        const buildDir = join(work, 'build');
        mkdirSync(buildDir, { recursive: true });
        mkdirSync(join(out, 'lib'), { recursive: true });
        const extraFlags = [...FUNCTION_CAST_WARNING_FLAGS, ...prefixMapFlags({ work, cache: cacheRoot(), workspace: options.workspaceRoot })];
        for (const ext of recipe.extensions) {
          const missing = ext.sources.filter((s) => !existsSync(join(src, s)));
          if (missing.length) throw new WasiPystackError(`${recipe.file}: extension ${ext.name} names sources ${source.name} ${source.version} does not have`, 'correct extensions/*/sources (paths relative to the unpacked source)', missing);
          const plan = planExtensionCompile(ext, { src, buildDir, toolchain, includeDirs: python.includeDirs, extraFlags });
          await runAll(plan.commands, { logFile });
          const rel = `lib/lib${mangle(ext.name)}.a`;
          queryCommand({ argv: [toolchain.ar, 'rcs', join(out, rel), ...plan.objects], cwd: buildDir }, { logFile });
          const initSymbol = staticInitSymbol(ext.name);
          const defines = new Set(plan.objects.flatMap((o) => [...definedSymbols(toolchain.nm, o, buildDir, logFile)]));
          if (!defines.has(initSymbol)) throw new WasiPystackError(`extension ${ext.name} of ${recipe.file} defines no ${ownInitSymbol(ext.name)}`, 'list the C file that defines the module\'s init function in its sources');
          modules.push({ name: ext.name, initSymbol });
          libraries.push(rel);
        }
      },
    },
    castAuditPhase(build.what, recipe.castAllowListFile, ({ src, work }) => ({ buildDir: join(work, 'build'), sourceRoots: [src, join(work, 'build')] })),
    {
      name: 'Python files and manifest',
      run: ({ src, out, writeManifest }) => {
        for (const pkg of recipe.python.packages) {
          if (!existsSync(join(src, pkg))) throw new WasiPystackError(`${recipe.file}: python/packages names ${pkg}, which ${source.name} ${source.version} does not have`, 'correct python/packages (folders relative to the unpacked source)');
          cpSync(join(src, pkg), join(out, 'site-packages', basename(pkg)), { recursive: true, filter: (f) => !/\.(c|h|pyx|pxd|so)$/.test(f) && basename(f) !== '__pycache__' });
        }
        writeManifest({
          name: recipe.package,
          version: source.version,
          libraries,
          linkArgs: recipe.linkArgs ?? [],
          modules,
          pythonRoots: [{ path: 'site-packages', exclude: recipe.python.bundleExcludes ?? [] }],
          includeDirs: [],
          facts: { [`${recipe.package}Version`]: source.version, recipe: recipe.name },
        });
      },
    },
    ],
  });
}
