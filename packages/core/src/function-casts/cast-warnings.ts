import { isAbsolute, resolve } from 'node:path';
import { expectedParamCount, methodFlags } from './method-tables';
import { formatSignature, functionPointerSignature, hasOpaqueParts, type WasmSignature } from './wasm-signature';

/**
 * clang's `-Wcast-function-type-strict` reports every cast between different function-pointer types.
 * Native code tolerates calling a function through a pointer of another type; wasm's `call_indirect`
 * traps ("indirect call type mismatch") unless both types lower to the same wasm signature. This
 * module reads those warnings from a build log and sorts each cast by what it means on wasm32.
 */
export const FUNCTION_CAST_WARNING_FLAGS = ['-Wcast-function-type-strict'];

export interface FunctionCast {
  /** Source path as the compiler printed it, made relative to the build's source root when possible. */
  file: string;
  line: number;
  column: number;
  /** Canonical C types (clang's `aka` form when it printed one). */
  from: string;
  to: string;
  /**
   * When the warning points at a macro's use: each "expanded from macro" location, outermost first
   * (a method-table entry written in a macro, then the casting macros inside it).
   */
  expansions?: { file: string; line: number; column: number }[];
}

/**
 * - `compatible`: both types lower to the same wasm signature (they differ only in pointer types, say);
 * - `erased`: to or from `void (*)(void)` or an unprototyped `(*)()`, the C idiom for "any function",
 *   cast back before the call (unless it sits in a method table entry: then its flags decide);
 * - `method`: a function stored in a method table whose signature is the one its METH_* flags make
 *   CPython call it through (or, flags not found, one of the calling conventions other than (self, arg));
 * - `mismatch`: the wasm signatures differ: a call through the target type traps;
 * - `unknown`: a type this lowering does not know (by-value aggregates): needs a person.
 */
export type CastKind = 'compatible' | 'erased' | 'method' | 'mismatch' | 'unknown';

export interface ClassifiedCast extends FunctionCast {
  kind: CastKind;
  fromWasm?: string;
  /** The signature it is called through: the target type's, or the one its METH_* flags imply. */
  toWasm?: string;
  /** METH_* flags of the method-table entry the cast is in, when found. */
  flags?: string[];
}

const WARNING = /^(.+?):(\d+):(\d+): (?:warning|error): cast from '([^']*)'(?: \(aka '([^']*)'\))? to '([^']*)'(?: \(aka '([^']*)'\))? converts to incompatible function type \[-Wcast-function-type(?:-strict|-mismatch)?\]/;

export interface PathContext {
  /** Where the compiler ran: relative paths in the log are resolved against it. */
  buildDir?: string;
  /** Folders whose prefix is cut from paths (the extracted source trees). */
  sourceRoots?: string[];
}

/** Every distinct function-pointer cast reported in a build log (headers repeat; each cast counts once). */
export function parseFunctionCasts(log: string, paths: PathContext = {}): FunctionCast[] {
  const seen = new Map<string, FunctionCast>();
  let last: FunctionCast | undefined;
  // Colour codes (meson asks compilers for them) are not part of the text.
  for (const line of log.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
    const note = MACRO_NOTE.exec(line);
    if (note && last) {
      (last.expansions ??= []).push({ file: normalizePath(note[1], paths), line: Number(note[2]), column: Number(note[3]) });
      continue;
    }
    const m = WARNING.exec(line);
    if (!m) {
      if (!/^\s*(\d+\s*)?\|/.test(line)) last = undefined;
      continue;
    }
    const cast: FunctionCast = {
      file: normalizePath(m[1], paths),
      line: Number(m[2]),
      column: Number(m[3]),
      from: m[5] ?? m[4],
      to: m[7] ?? m[6],
    };
    seen.set(castId(cast), cast);
    last = cast;
  }
  return [...seen.values()].sort((a, b) => castId(a).localeCompare(castId(b), 'en', { numeric: true }));
}

/** Paths inside a source root become relative to it, so allow-list entries do not name a machine's folders. */
function normalizePath(file: string, paths: PathContext): string {
  const absolute = !isAbsolute(file) && paths.buildDir ? resolve(paths.buildDir, file) : file;
  for (const root of paths.sourceRoots ?? []) {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    if (absolute.startsWith(prefix)) return absolute.slice(prefix.length);
  }
  return absolute;
}

const MACRO_NOTE = /^(.+?):(\d+):(\d+): note: expanded from macro/;

export const castId = (c: Pick<FunctionCast, 'file' | 'line' | 'column'>) => `${c.file}:${c.line}:${c.column}`;

const ANY_FUNCTION = /^void \(\*\)\((void)?\)$|^\w[\w\s*]*\(\*\)\(\)$/;
/** PyCFunction, as clang spells it in C ('struct _object *(*)(struct _object *, struct _object *)') and in C++ (without 'struct'). */
const isPyCFunction = (type: string) => type.replace(/\bstruct\s+/g, '') === '_object *(*)(_object *, _object *)';
/** Method calling conventions other than (self, arg): VARARGS|KEYWORDS, FASTCALL, FASTCALL|KEYWORDS, METHOD. */
const OTHER_METHOD_SIGNATURES = ['(i32,i32,i32)->(i32)', '(i32,i32,i32,i32)->(i32)', '(i32,i32,i32,i32,i32)->(i32)'];

/** The wasm signature CPython calls a method through, by its METH_* calling convention. */
export function methodSignature(flags: Set<string>): string | undefined {
  const count = expectedParamCount(flags);
  return count === undefined ? undefined : `(${Array(count).fill('i32').join(',')})->(i32)`;
}

/**
 * The METH_* flags of the method-table entry a cast sits in: the text from the cast to the entry's
 * closing brace (`{"name", (PyCFunction)f, METH_NOARGS, doc}`). Cython's `__Pyx_METH_FASTCALL` counts
 * as METH_FASTCALL. Undefined when the source is not at hand or the entry names no flags.
 */
export function methodFlagsAt(source: string | undefined, line: number, column: number): Set<string> | undefined {
  if (source === undefined) return undefined;
  const lines = source.split('\n');
  if (line < 1 || line > lines.length) return undefined;
  const first = lines[line - 1];
  const text = [first.slice(Math.min(Math.max(column - 1, 0), first.length)), ...lines.slice(line, line + 8)].join('\n');
  const entry = text.slice(0, Math.max(text.indexOf('}'), 0));
  // A `{` before the brace: the cast is not in this entry (a macro's use, say); its flags are elsewhere.
  if (entry.includes('{')) return undefined;
  const flags = methodFlags(entry);
  return flags.size ? flags : undefined;
}

/**
 * Sorts one cast. `sourceText` gives the text of a reported file (for the METH_* flags of method-table
 * entries); without it, casts into method tables are only checked for a known calling convention.
 */
export function classifyCast(cast: FunctionCast, sourceText?: (file: string) => string | undefined): ClassifiedCast {
  const from = functionPointerSignature(cast.from);
  const to = functionPointerSignature(cast.to);
  const wasm = (s: WasmSignature | undefined) => (s ? formatSignature(s) : undefined);
  const result = { ...cast, fromWasm: wasm(from), toWasm: wasm(to) };
  // A function stored in a method table (directly or through `void (*)(void)`): its flags decide.
  const intoMethodTable = isPyCFunction(cast.to) || ANY_FUNCTION.test(cast.to);
  // The entry's flags are where the entry is written: at the warning, or in one of the macros it expands.
  const flags = intoMethodTable && from && !ANY_FUNCTION.test(cast.from)
    ? [cast, ...(cast.expansions ?? [])].map((at) => methodFlagsAt(sourceText?.(at.file), at.line, at.column)).find((f) => f)
    : undefined;
  if (flags) {
    const expected = methodSignature(flags);
    return { ...result, toWasm: expected ?? result.toWasm, kind: expected === result.fromWasm ? 'method' : 'mismatch', flags: [...flags].sort() };
  }
  if (ANY_FUNCTION.test(cast.from) || ANY_FUNCTION.test(cast.to)) return { ...result, kind: 'erased' };
  if (!from || !to) return { ...result, kind: 'unknown' };
  if (result.fromWasm === result.toWasm) return { ...result, kind: 'compatible' };
  if (hasOpaqueParts(from) || hasOpaqueParts(to)) return { ...result, kind: 'unknown' };
  if (isPyCFunction(cast.to) && OTHER_METHOD_SIGNATURES.includes(result.fromWasm!)) return { ...result, kind: 'method' };
  return { ...result, kind: 'mismatch' };
}
