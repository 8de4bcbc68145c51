import { mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { WasiPystackError } from '../errors';
import { queryCommand, runCommand } from '../run';
import type { BuiltinModule } from '../manifest';
import { compileCommand, definedSymbols, planCollisions, recompileWithRenames, type Unit } from './collisions';
import { listExtensionModules, type ExtensionModule } from './extensions';
import { shellSplit } from '../meson/shell-split';

export interface StaticExtensionsInput {
  buildDir: string;
  meson: string[];
  ninja: string;
  ar: string;
  nm: string;
  /** Which modules to build (e.g. leave out test helpers). */
  include: (moduleName: string) => boolean;
  /** Init symbol of a module when not PyInit_<last part> (e.g. after the cython-patcher renamed it). */
  initSymbolFor?: (module: ExtensionModule) => string;
  /** Archives of other steps linked into the same module (NumPy's, for pandas): their globals win. */
  externalArchives?: string[];
  /**
   * Leave symbols that other units define too as they are (no renames, no dropped copies). Only for
   * experiments that reproduce other builds: such archives link only with duplicates allowed.
   */
  keepDuplicateSymbols?: boolean;
  /** Archives go to outDir/lib. */
  outDir: string;
  /** Parallel compile jobs (ninja -j); default: ninja's own choice. */
  jobs?: number;
  env?: Record<string, string>;
  logFile: string;
  log?: (message: string) => void;
}

export interface StaticExtensions {
  modules: BuiltinModule[];
  /** Archives relative to outDir: one per module, then the static helper libraries. */
  libraries: string[];
  linkArgs: string[];
  /** What collision handling did, for the build log and the manifest. */
  dropped: Record<string, string[]>;
  renamed: Record<string, string[]>;
  borrowed: Record<string, Record<string, string>>;
}

const mangle = (path: string) => path.replace(/^\.\//, '').replace(/[^\w.-]+/g, '_');

/** Member objects of a static library target (meson makes them thin archives: never copy those). */
function libraryMembers(ninja: string, buildDir: string, lib: string, logFile: string): string[] {
  const lines = queryCommand({ argv: [ninja, '-t', 'commands', lib], cwd: buildDir }, { logFile }).trim().split('\n');
  const last = lines[lines.length - 1].split('&&').pop()!;
  return shellSplit(last).filter((a) => a.endsWith('.o'));
}

/**
 * The archives on the modules' link lines that the build makes (paths in the build dir), to be
 * re-archived. One given by absolute path comes from outside (a recipe's library, found through
 * pkg-config) and must be one of the external archives, which ship on their own.
 */
export function builtArchives(linked: string[], externalArchives: string[]): string[] {
  const outside = [...new Set(linked.filter((a) => isAbsolute(a)))];
  const external = new Set(externalArchives.map((a) => realpathSync(a)));
  const unknown = outside.filter((a) => !external.has(realpathSync(a)));
  if (unknown.length) throw new WasiPystackError('extension modules link archives from outside the build that no manifest provides', "build them as the recipe's libraries (its `libraries` file), so they ship with the step output", unknown);
  return [...new Set(linked.filter((a) => !isAbsolute(a)))];
}

/**
 * Builds the objects of every included extension module and of the static libraries they link,
 * resolves symbol collisions (collisions.ts), and writes regular (not thin) archives.
 */
export async function buildStaticExtensions(input: StaticExtensionsInput): Promise<StaticExtensions> {
  const say = input.log ?? (() => {});
  const modules = listExtensionModules(input)
    .filter((m) => input.include(m.name))
    .map((m) => ({ ...m, initSymbol: input.initSymbolFor?.(m) ?? m.initSymbol }));
  const libs = builtArchives(modules.flatMap((m) => m.archives), input.externalArchives ?? []);
  const libMembers = new Map(libs.map((l) => [l, libraryMembers(input.ninja, input.buildDir, l, input.logFile)]));
  const allObjects = [...new Set([...modules.flatMap((m) => m.objects), ...[...libMembers.values()].flat()])];
  say(`compiling ${allObjects.length} objects for ${modules.length} extension modules`);
  // The helper libraries themselves too: meson's install (headers, pkg-config files) expects them.
  await runCommand({ argv: [input.ninja, ...(input.jobs ? [`-j${input.jobs}`] : []), ...allObjects, ...libs], cwd: input.buildDir, env: input.env }, { logFile: input.logFile });

  const unit = (name: string, kind: Unit['kind'], objects: string[]): Unit => ({
    name,
    kind,
    objects: objects.map((path) => ({ path, command: compileCommand(input.ninja, input.buildDir, path, input.logFile) })),
    symbols: new Map(objects.map((o) => [o, definedSymbols(input.nm, o, input.buildDir, input.logFile)])),
  });
  const externalUnits = (input.externalArchives ?? []).map((a): Unit => ({
    name: a,
    kind: 'library',
    objects: [{ path: a, command: [] }],
    symbols: new Map([[a, definedSymbols(input.nm, a, input.buildDir, input.logFile)]]),
  }));
  const units = [...externalUnits, ...libs.map((l) => unit(l, 'library', libMembers.get(l)!)), ...modules.map((m) => unit(m.name, 'module', m.objects))];
  // Keeping duplicates is only for experiments that reproduce other builds (docs/stack-root-cause.md).
  const plan = input.keepDuplicateSymbols ? { dropped: new Map<string, string[]>(), renames: new Map<string, string[]>(), borrowed: new Map<string, Record<string, string>>() } : planCollisions(units);

  const libDir = join(input.outDir, 'lib');
  mkdirSync(libDir, { recursive: true });
  const archive = (rel: string, objects: string[]) => queryCommand({ argv: [input.ar, 'rcs', join(input.outDir, rel), ...objects], cwd: input.buildDir }, { logFile: input.logFile });
  const libraries: string[] = [];
  for (const m of modules) {
    const dropped = new Set(plan.dropped.get(m.name) ?? []);
    const kept: ExtensionModule = { ...m, objects: m.objects.filter((o) => !dropped.has(o)) };
    const renames = plan.renames.get(m.name);
    const borrowed = plan.borrowed.get(m.name);
    const objects = renames || borrowed ? await recompileWithRenames(kept, renames ?? [], input.buildDir, input.ninja, join(input.buildDir, 'wasi-pystack-renames'), input.logFile, borrowed) : kept.objects;
    // What the archived objects define, read once (nm) for both checks below.
    const defines = new Set(objects.flatMap((o) => [...definedSymbols(input.nm, o, input.buildDir, input.logFile)]));
    if (renames) {
      const still = renames.filter((sym) => defines.has(sym));
      if (still.length) throw new WasiPystackError(`${m.name} still defines ${still.length} symbol(s) it was recompiled to rename`, 'find what defines them under their old name after the rename header (see packages/core/src/cross/collisions.ts)', still.slice(0, 10));
      say(`${m.name}: renamed its own copies of ${renames.length} symbols also defined elsewhere`);
    }
    if (borrowed) say(`${m.name}: calls ${Object.keys(borrowed).length} renamed symbols of the module that keeps their shared objects`);
    const rel = `lib/lib${mangle(m.name)}.a`;
    archive(rel, objects);
    if (!defines.has(m.initSymbol)) throw new WasiPystackError(`extension ${m.name} does not define ${m.initSymbol}`, 'its generated source was rebuilt after patching, or the module uses another init name');
    libraries.push(rel);
  }
  for (const l of libs) {
    const rel = `lib/${mangle(l)}`;
    archive(rel, libMembers.get(l)!);
    libraries.push(rel);
  }
  const initSymbols = new Set<string>();
  for (const m of modules) {
    if (initSymbols.has(m.initSymbol)) throw new WasiPystackError(`two extension modules define ${m.initSymbol}`, 'give them unique init symbols (the cython-patcher does this for Cython modules)');
    initSymbols.add(m.initSymbol);
  }
  return {
    modules: modules.map(({ name, initSymbol }) => ({ name, initSymbol })),
    libraries,
    linkArgs: [...new Set(modules.flatMap((m) => m.libs))],
    dropped: Object.fromEntries(plan.dropped),
    renamed: Object.fromEntries(plan.renames),
    borrowed: Object.fromEntries(plan.borrowed),
  };
}
