import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { WasiPystackError } from '../errors';
import type { BuiltinModule } from '../manifest';
import { queryCommand } from '../run';
import { definedSymbols, planCollisions, recompileWithHeader, renameHeaderText, renamePrefix, type Unit } from '../static-link/collisions';
import { ownInitSymbol, staticInitSymbol } from '../static-link/init-symbols';
import type { Toolchain } from '../toolchain';

/**
 * The setuptools builder's second half: the wheel its backend built holds, in place of each
 * extension's shared library, a record of what cross_compiler.py compiled and would have linked.
 * Each extension becomes a static archive whose init function is named after its dotted name, with
 * its copies of symbols another extension defines too renamed (static-link/collisions.ts).
 */
export const EXTENSION_RECORD_FORMAT = 'wasi-pystack-extension-record/1';

/** What cross_compiler.py writes in place of an extension's shared library. */
export interface ExtensionRecord {
  format: typeof EXTENSION_RECORD_FORMAT;
  objects: string[];
  archives: string[];
  libs: string[];
  libDirs: string[];
  cxx: boolean;
}

/** Calls wasm32-wasip1 cannot make, by what they need. An extension must be patched not to make them. */
export const UNSUPPORTED_CALLS: { pattern: RegExp; needs: string }[] = [
  { pattern: /^pthread_(create|join|detach|sigmask|kill)$/, needs: 'threads' },
  { pattern: /^(fork|vfork|execvp?e?|execl[pe]?|posix_spawnp?|system|popen|waitpid|wait)$/, needs: 'processes' },
  { pattern: /^(dlopen|dlsym|dlclose|dlerror)$/, needs: 'dynamic loading' },
];

/** Undefined symbols grouped by the capability they need ("threads" -> pthread_create, ...). */
export function unsupportedCalls(undefinedSymbols: Iterable<string>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const symbol of undefinedSymbols) {
    const rule = UNSUPPORTED_CALLS.find((r) => r.pattern.test(symbol));
    if (rule) found.set(rule.needs, [...(found.get(rule.needs) ?? []), symbol].sort());
  }
  return found;
}

/** 'numexpr/interpreter.cpython-313-x86_64-linux-gnu.so' -> 'numexpr.interpreter'. */
export function moduleNameOfWheelPath(path: string): string {
  const parts = path.split('/');
  return [...parts.slice(0, -1), parts[parts.length - 1].split('.')[0]].join('.');
}

/** Libraries every module has (libc, libm, libc++): a shared link may name them, a static one needs nothing. */
const TARGET_LIBS = new Set(['c', 'm', 'dl', 'rt', 'util', 'pthread', 'stdc++', 'c++']);

function undefinedSymbols(nm: string, object: string, logFile: string): Set<string> {
  const out = queryCommand({ argv: [nm, '--undefined-only', '--format=posix', object], cwd: dirname(object) }, { logFile });
  return new Set(out.split('\n').map((l) => l.split(' ')[0]).filter(Boolean));
}

function walkFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walkFiles(path) : [path];
  });
}

function readRecord(file: string): ExtensionRecord | undefined {
  if (statSync(file).size > 1 << 20) return undefined;
  const text = readFileSync(file, 'utf8');
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as ExtensionRecord;
    return parsed.format === EXTENSION_RECORD_FORMAT ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** How cross_compiler.py compiled an object (written beside it as `<object>.cross.json`). */
interface CompileRecord {
  argv: string[];
  cwd: string;
  lang: 'cc' | 'c++';
}

function readCompileRecord(object: string): CompileRecord {
  const recorded = `${object}.cross.json`;
  if (!existsSync(recorded)) throw new WasiPystackError(`no compile record for ${object}`, 'the build compiled it without the CC it was given; set the recipe\'s env so that it uses $CC');
  return JSON.parse(readFileSync(recorded, 'utf8')) as CompileRecord;
}

export interface WheelExtensions {
  modules: BuiltinModule[];
  /** Archives below the step output (lib/...), in link order. */
  libraries: string[];
  needsCxx: boolean;
}

/** Turns the extension records of the unpacked wheel (`tree`) into static archives below `out`/lib. */
export async function staticExtensionsOfWheel(input: { recipe: { file: string; extensions: string[] }; what: string; tree: string; work: string; out: string; toolchain: Toolchain; logFile: string }): Promise<WheelExtensions> {
  const { recipe, what, tree, work, out, toolchain, logFile } = input;
  const modules: BuiltinModule[] = [];
  const libraries: string[] = [];
  let needsCxx = false;
    const records = walkFiles(tree)
      .map((file) => ({ file, record: readRecord(file) }))
      .filter((r): r is { file: string; record: ExtensionRecord } => !!r.record)
      .map(({ file, record }) => ({ file, record, module: moduleNameOfWheelPath(relative(tree, file)) }))
      .sort((a, b) => a.module.localeCompare(b.module));
    const problems: string[] = [];
    const made = records.map((r) => r.module);
    for (const missing of recipe.extensions.filter((m) => !made.includes(m))) problems.push(`${missing}: the build made no such extension (a failed compile may have fallen back to pure Python: see ${logFile})`);
    for (const extra of made.filter((m) => !recipe.extensions.includes(m))) problems.push(`${extra}: the build made this extension, which the recipe does not list`);
    if (problems.length) throw new WasiPystackError(`${recipe.file}: the extensions of ${what} are not the ones its recipe lists`, 'list in extensions exactly the modules the build makes, or fix what keeps one from building', problems);
    const compiled = new Map(records.flatMap((r) => r.record.objects).map((o) => [o, readCompileRecord(o)]));
    const units: Unit[] = [];
    for (const { module, record } of records) {
      const undefinedAll = new Set(record.objects.flatMap((o) => [...undefinedSymbols(toolchain.nm, o, logFile)]));
      for (const [needs, symbols] of unsupportedCalls(undefinedAll)) problems.push(`${module} calls ${symbols.join(', ')}: it needs ${needs}, which wasm32-wasip1 does not have`);
      const unknownLibs = record.libs.filter((l) => !TARGET_LIBS.has(l) && !record.libDirs.some((d) => existsSync(join(d, `lib${l}.a`))));
      for (const lib of unknownLibs) problems.push(`${module} links -l${lib}, which neither the target nor the build provides`);
      units.push({ name: module, kind: 'module', objects: record.objects.map((o) => ({ path: o, command: compiled.get(o)!.argv })), symbols: new Map(record.objects.map((o) => [o, definedSymbols(toolchain.nm, o, dirname(o), logFile)])) });
    }
    if (problems.length) throw new WasiPystackError(`${recipe.file}: ${problems.length} extension problem(s) in ${what}`, 'patch the extension (the recipe\'s patches) so that it builds and runs without them, and say why in the patch', problems);
    const plan = planCollisions(units);
    const headers = join(work, 'static-headers');
    mkdirSync(headers, { recursive: true });
    mkdirSync(join(out, 'lib'), { recursive: true });
    for (const [i, { module, record, file }] of records.entries()) {
      const unit = units[i];
      const ownInit = ownInitSymbol(module);
      const initSymbol = staticInitSymbol(module);
      const dropped = new Set(plan.dropped.get(module) ?? []);
      const kept = record.objects.filter((o) => !dropped.has(o));
      if (!kept.some((o) => unit.symbols.get(o)?.has(ownInit))) problems.push(`${module} (${relative(tree, file)}): none of its objects defines ${ownInit}`);
      const renames: Record<string, string> = { [ownInit]: initSymbol, ...plan.borrowed.get(module) };
      for (const s of plan.renames.get(module) ?? []) renames[s] = `${renamePrefix(module)}${s}`;
      const header = join(headers, `${module}.h`);
      writeFileSync(header, renameHeaderText([`generated by @wasi-pystack/core: ${module} linked statically: its init function after its dotted name, and its copies of symbols another extension defines too`], renames));
      const everything = Object.keys(renames).length > 1;
      const objects: string[] = [];
      for (const o of kept) objects.push(everything || unit.symbols.get(o)?.has(ownInit) ? await recompileWithHeader(compiled.get(o)!.argv, compiled.get(o)!.cwd, o.replace(/\.o(bj)?$/, '') + '.static.o', header, logFile) : o);
      const rel = `lib/lib${module.replace(/[^\w.-]+/g, '_')}.a`;
      queryCommand({ argv: [toolchain.ar, 'rcs', join(out, rel), ...objects], cwd: work }, { logFile });
      libraries.push(rel);
      for (const archive of [...record.archives, ...record.libs.filter((l) => !TARGET_LIBS.has(l)).map((l) => record.libDirs.map((d) => join(d, `lib${l}.a`)).find(existsSync)!)]) {
        const own = `lib/lib${module.replace(/[^\w.-]+/g, '_')}-${basename(archive)}`;
        copyFileSync(archive, join(out, own));
        libraries.push(own);
      }
      modules.push({ name: module, initSymbol });
      needsCxx ||= record.cxx || record.objects.some((o) => compiled.get(o)!.lang === 'c++');
      rmSync(file);
    }
    if (problems.length) throw new WasiPystackError(`${recipe.file}: ${problems.length} extension problem(s) in ${what}`, 'list the extension\'s sources so that the file defining its init function is compiled', problems);
  return { modules, libraries, needsCxx };
}
