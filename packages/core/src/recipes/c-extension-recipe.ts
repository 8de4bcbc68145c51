import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { prefixMapFlags } from '../build-paths';
import { ensureManifestBuildPython } from '../build-python';
import { definedSymbols } from '../cross/collisions';
import { runStepInto, type StepContext } from '../engine/step-engine';
import { WasiPystackError } from '../errors';
import { auditStepFunctionCasts, castAuditKey } from '../function-casts/audit';
import { FUNCTION_CAST_WARNING_FLAGS } from '../function-casts/cast-warnings';
import { getSource, readLock, type SourceLock } from '../lock';
import { log } from '../log';
import { readManifest, type BuiltinModule } from '../manifest';
import { collectPatches } from '../patches';
import { cacheRoot } from '../paths';
import { queryCommand, runAll, type Command } from '../run';
import { stepOutputIdentity } from '../step-cache';
import { resolveToolchain } from '../cxx-runtime/cxx-runtime';
import type { Toolchain } from '../toolchain';
import { listOf, object, oneOf, parseChecked, string, stringOrList } from './validate';

export const C_EXTENSION_RECIPE_FORMAT = 'wasi-pystack-c-extension-recipe/1';

/**
 * A Python package whose C extension modules are a few C files, as data: each module's sources are
 * compiled for wasm32-wasip1 against python-wasi's headers into a static archive, with a unique init
 * symbol after its dotted name, and the package's Python files go to site-packages. Paths are
 * relative to the unpacked source (sources, packages) or to the recipe file (patches, castAllowList).
 */
export interface CExtensionRecipe {
  format: typeof C_EXTENSION_RECIPE_FORMAT;
  /** Import name of the package, also the manifest's name. */
  package: string;
  /** Lock key of its sdist. */
  source: string;
  patches?: string | string[];
  castAllowList?: string;
  extensions: {
    /** Dotted module name ("markupsafe._speedups"). */
    name: string;
    /** C files, relative to the unpacked source. */
    sources: string[];
    /** Further compiler arguments (-D, -I relative to the source). */
    cflags?: string[];
  }[];
  python: {
    /** Package folders, relative to the unpacked source; each is copied to site-packages/<its name>. */
    packages: string[];
    /** Paths below site-packages that never go into a bundle. */
    bundleExcludes?: string[];
  };
  /** Extra link arguments of the finished module. */
  linkArgs?: string[];
}

const check = object({
  format: oneOf(C_EXTENSION_RECIPE_FORMAT),
  package: string,
  source: string,
  'patches?': stringOrList,
  'castAllowList?': string,
  extensions: listOf(object({ name: string, sources: listOf(string), 'cflags?': listOf(string) })),
  python: object({ packages: listOf(string), 'bundleExcludes?': listOf(string) }),
  'linkArgs?': listOf(string),
});

export interface LoadedCExtensionRecipe extends CExtensionRecipe {
  file: string;
  name: string;
  patchFiles: string[];
  castAllowListFile?: string;
}

const MODULE_NAME = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

export function parseCExtensionRecipe(text: string, file: string, lock?: SourceLock): LoadedCExtensionRecipe {
  const recipe = parseChecked<CExtensionRecipe>(text, file, check, 'correct the keys named above (see CExtensionRecipe in @wasi-pystack/core)');
  const bad = recipe.extensions.map((e, i) => (MODULE_NAME.test(e.name) ? '' : `extensions/${i}/name: '${e.name}' is not a dotted module name`)).filter(Boolean);
  if (bad.length) throw new WasiPystackError(`${file} has ${bad.length} problem(s)`, 'correct the keys named above (see CExtensionRecipe in @wasi-pystack/core)', bad);
  if (lock && !lock.sources[recipe.source]) throw new WasiPystackError(`${file} names sources the lock does not pin`, `pin them in ${lock.path}, or correct the recipe`, [`${recipe.source}: not a key under sources in ${lock.path}`]);
  const at = (p: string) => (isAbsolute(p) ? p : join(dirname(file), p));
  const patches = recipe.patches === undefined ? [] : Array.isArray(recipe.patches) ? recipe.patches : [recipe.patches];
  return { ...recipe, file, name: basename(file).replace(/\.json$/, ''), patchFiles: collectPatches(patches.map(at)), castAllowListFile: recipe.castAllowList ? at(recipe.castAllowList) : undefined };
}

export function readCExtensionRecipe(file: string, lock?: SourceLock): LoadedCExtensionRecipe {
  if (!existsSync(file)) throw new WasiPystackError(`no recipe at ${file}`, 'name a C extension recipe file that exists');
  return parseCExtensionRecipe(readFileSync(file, 'utf8'), file, lock);
}

/** The init symbol of a statically linked module: after its whole dotted name (as cython-patcher names them). */
export const staticInitSymbol = (moduleName: string) => `PyInit_${moduleName.replace(/\./g, '__')}`;

const mangle = (name: string) => name.replace(/[^\w.-]+/g, '_');

/** The compile commands of one extension module: its init function renamed after its dotted name. */
export function planExtensionCompile(ext: CExtensionRecipe['extensions'][number], ctx: { src: string; buildDir: string; toolchain: Toolchain; includeDirs: string[]; extraFlags: string[] }): { commands: Command[]; objects: string[] } {
  const ownInit = `PyInit_${ext.name.split('.').pop()}`;
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

export interface CExtensionOptions {
  workspaceRoot: string;
  /** The python-wasi output folder. */
  pythonWasi: string;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
}

/** Builds a C extension recipe on the step engine; see CExtensionRecipe. */
export async function buildCExtensionPackage(recipe: LoadedCExtensionRecipe, options: CExtensionOptions): Promise<{ outDir: string; version: string }> {
  const jobs = options.jobs ?? availableParallelism();
  const lock = readLock(options.workspaceRoot);
  const toolchain = await resolveToolchain(lock);
  const python = readManifest(options.pythonWasi);
  await ensureManifestBuildPython(python, lock, jobs);
  const source = getSource(lock, recipe.source);
  const what = `${recipe.package} ${source.version}`;
  const modules: BuiltinModule[] = [];
  const libraries: string[] = [];
  const { file: _f, name: _n, patchFiles: _p, patches: _ps, castAllowListFile: _c, castAllowList: _ca, $comment: _comment, ...content } = recipe as LoadedCExtensionRecipe & { $comment?: unknown };
  await runStepInto(
    {
      step: `${recipe.package}-wasm32-wasip1`,
      what,
      recipe: content,
      source,
      patches: recipe.patchFiles,
      toolchain,
      code: [__filename],
      inputs: { python: stepOutputIdentity(options.pythonWasi), casts: castAuditKey(recipe.castAllowListFile ?? '') },
      phases: [
        {
          name: 'extension modules',
          run: async ({ src, work, out, logFile }: StepContext) => {
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
              if (!defines.has(initSymbol)) throw new WasiPystackError(`extension ${ext.name} of ${recipe.file} defines no PyInit_${ext.name.split('.').pop()}`, 'list the C file that defines the module\'s init function in its sources');
              modules.push({ name: ext.name, initSymbol });
              libraries.push(rel);
            }
          },
        },
        {
          name: 'function-cast audit',
          run: ({ src, work, out, logFile }: StepContext) => void auditStepFunctionCasts({ logFile, outDir: out, paths: { buildDir: join(work, 'build'), sourceRoots: [src, join(work, 'build')] }, allowList: recipe.castAllowListFile, what }),
        },
        {
          name: 'Python files and manifest',
          run: ({ src, out, writeManifest }: StepContext) => {
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
    },
    options.outDir,
    { workspace: options.workspaceRoot },
  );
  log(`${what} for wasm32-wasip1 -> ${options.outDir}`);
  return { outDir: options.outDir, version: source.version };
}
