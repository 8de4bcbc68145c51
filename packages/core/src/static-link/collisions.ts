import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasiPystackError } from '../errors';
import { queryCommand, runCommand } from '../run';
import type { ExtensionModule } from './extensions';
import { shellSplit } from '../meson/shell-split';

/**
 * Shared libraries keep each extension's globals private; one static module does not. When two
 * units (extension modules, or the static helper libraries they link) define the same global:
 *  - if both objects come from the same source compiled the same way (NumPy compiles lapack_lite's
 *    f2c sources into lapack_lite and _umath_linalg), the later copy is dropped: one is enough;
 *  - otherwise the copies differ (NumPy's mtrand compiles distributions.c with NP_RANDOM_LEGACY,
 *    where RAND_INT_TYPE is `long`, 32 bits on wasm32, against npyrandom's int64_t), and the later
 *    module's copies are renamed: all its objects are compiled again with a generated header that
 *    #defines each such symbol to "<module>__<symbol>", so its own calls reach its own copy.
 * A static library is never renamed (several modules link it); a clash between two libraries fails.
 */
export interface CompiledObject {
  /** Relative to the build dir. */
  path: string;
  /** The compile command, as ninja runs it. */
  command: string[];
}

export interface CollisionPlan {
  /** Objects dropped because an identical one is kept elsewhere: module -> objects. */
  dropped: Map<string, string[]>;
  /** Module -> symbols it must rename. */
  renames: Map<string, string[]>;
  /**
   * Module -> {symbol: renamed symbol of another module}: the module dropped its copy of an object
   * in favour of another module's identical one, and that module renamed some of its symbols, so the
   * module's own calls must reach the kept copy under its new name (not a library's same-named symbol).
   */
  borrowed: Map<string, Record<string, string>>;
}

/**
 * Compile command without what differs only by target: outputs, dependency files, the target's
 * private include dir. A source generated into the target's private dir (Cython's .c) keeps its
 * path inside that dir, so two modules' generated sources never look alike.
 */
export function normalizeCompileCommand(argv: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-o' || a === '-MQ' || a === '-MF' || a === '-MT') i++;
    else if (a === '-MD' || a === '-MMD') continue;
    else if (/^-I.*\.p$/.test(a)) continue;
    else out.push(a.replace(/^.*?\.p\//, '<private>/'));
  }
  return out.join('\0');
}

export interface Unit {
  name: string;
  kind: 'library' | 'module';
  objects: CompiledObject[];
  /** Global symbols each object defines. */
  symbols: Map<string, Set<string>>;
}

/** Pure: decides what to drop and what to rename. Libraries come first in `units`. */
export function planCollisions(units: Unit[]): CollisionPlan {
  const dropped = new Map<string, string[]>();
  const kept: { unit: Unit; object: CompiledObject; key: string }[] = [];
  const twins: { unit: Unit; object: CompiledObject; keptIn: Unit }[] = [];
  for (const unit of units) {
    for (const object of unit.objects) {
      const key = normalizeCompileCommand(object.command);
      const twin = unit.kind === 'module' ? kept.find((k) => k.key === key && k.unit !== unit) : undefined;
      if (twin) {
        dropped.set(unit.name, [...(dropped.get(unit.name) ?? []), object.path]);
        twins.push({ unit, object, keptIn: twin.unit });
      } else kept.push({ unit, object, key });
    }
  }
  const definedBy = new Map<string, Unit>();
  const renames = new Map<string, string[]>();
  const clashes: string[] = [];
  for (const { unit, object } of kept) {
    for (const sym of unit.symbols.get(object.path) ?? []) {
      const first = definedBy.get(sym);
      if (!first) definedBy.set(sym, unit);
      else if (first !== unit) {
        if (unit.kind === 'library') clashes.push(`${sym}: ${first.name} and ${unit.name}`);
        else renames.set(unit.name, [...(renames.get(unit.name) ?? []), sym]);
      }
    }
  }
  if (clashes.length) {
    throw new WasiPystackError(`${clashes.length} symbol(s) are defined by two static libraries`, 'rename them in one library (see packages/core/src/cross/collisions.ts)', clashes.slice(0, 10));
  }
  const borrowed = new Map<string, Record<string, string>>();
  for (const { unit, object, keptIn } of twins) {
    const renamedThere = new Set(renames.get(keptIn.name) ?? []);
    for (const sym of unit.symbols.get(object.path) ?? []) {
      if (renamedThere.has(sym)) borrowed.set(unit.name, { ...borrowed.get(unit.name), [sym]: `${renamePrefix(keptIn.name)}${sym}` });
    }
  }
  return { dropped, renames, borrowed };
}

/** Strong global definitions of an object. Weak ones (C++ inline functions, templates) may repeat. */
export function definedSymbols(nm: string, object: string, cwd: string, logFile?: string): Set<string> {
  const out = queryCommand({ argv: [nm, '--defined-only', '--extern-only', '--format=posix', object], cwd }, { logFile });
  return new Set(
    out
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([name, type]) => name && type && !/^[WwVv]$/.test(type))
      .map(([name]) => name),
  );
}

/** The compile command ninja runs for an object. */
export function compileCommand(ninja: string, buildDir: string, object: string, logFile?: string): string[] {
  const lines = queryCommand({ argv: [ninja, '-t', 'commands', object], cwd: buildDir }, { logFile }).trim().split('\n');
  return shellSplit(lines[lines.length - 1]);
}

export const renamePrefix = (module: string) => `${module.replace(/\W/g, '_')}__`;

/**
 * The one rename header: a pragma (renames the symbol even where a later #define of the source maps
 * another name onto it, as NumPy's lapack_lite_names.h does) and a #define (covers C++ names) for each
 * rename, after a comment saying why.
 */
export function renameHeaderText(why: string[], ...renames: Record<string, string>[]): string {
  const lines = renames.flatMap((targets) => {
    const names = Object.keys(targets).sort();
    return [...names.map((s) => `#pragma redefine_extname ${s} ${targets[s]}`), ...names.map((s) => `#define ${s} ${targets[s]}`)];
  });
  return [...why.map((l) => `/* ${l} */`), ...lines, ''].join('\n');
}

/**
 * Compiles an object again with its compile command, including `header` first and writing
 * `renamed` (no dependency files); through the runner, so the compiler's output (a megabyte of
 * warnings for some Cython files) goes to the step's log and a failure carries its tail.
 */
export async function recompileWithHeader(argv: string[], cwd: string, renamed: string, header: string, logFile: string): Promise<string> {
  const next: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-o') next.push('-o', renamed, '-include', header), i++;
    else if (argv[i] === '-MQ' || argv[i] === '-MF' || argv[i] === '-MT') i++;
    else if (argv[i] !== '-MD' && argv[i] !== '-MMD') next.push(argv[i]);
  }
  await runCommand({ argv: next, cwd }, { logFile });
  return renamed;
}

/** Compiles a meson-built module's objects again with a header that renames `symbols`; returns the new objects. */
export async function recompileWithRenames(module: ExtensionModule, symbols: string[], buildDir: string, ninja: string, headerDir: string, logFile: string, borrowed: Record<string, string> = {}): Promise<string[]> {
  mkdirSync(headerDir, { recursive: true });
  const header = join(headerDir, `${module.name}.renames.h`);
  const prefix = renamePrefix(module.name);
  const why = [`generated by @wasi-pystack/core: ${module.name}'s own copies of symbols other units define too,`, 'then symbols of objects it shares with another module, which renamed them.'];
  writeFileSync(header, renameHeaderText(why, Object.fromEntries(symbols.map((s) => [s, `${prefix}${s}`])), borrowed));
  const renamedObjects: string[] = [];
  for (const object of module.objects) renamedObjects.push(await recompileWithHeader(compileCommand(ninja, buildDir, object, logFile), buildDir, object.replace(/\.o$/, '.renamed.o'), header, logFile));
  return renamedObjects;
}
