import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The casts that clang reports cannot show one kind of trap: a method-table entry whose function
 * already has PyCFunction's type (so there is no cast to warn about) but whose flags make CPython call
 * it with more arguments, e.g. `{"f", (PyCFunction)f, METH_VARARGS | METH_KEYWORDS}` where
 * `f(self, args)` takes two. This scan reads the method-table entries of a source tree and the
 * parameter count of each function they name, and reports entries whose counts disagree.
 */
export interface MethodEntryMismatch {
  file: string;
  line: number;
  column: number;
  method: string;
  func: string;
  flags: string[];
  declared: number;
  expected: number;
}

const SOURCE_FILE = /\.(c|h|cpp|cc|cxx|hpp|c\.src|h\.src|cpp\.src|inc)$/;

/** Arguments CPython passes, by calling convention (all pointer-sized on wasm32). */
export function expectedParamCount(flags: Set<string>): number | undefined {
  const has = (f: string) => flags.has(f);
  if (has('METHOD')) return 5;
  if (has('FASTCALL')) return has('KEYWORDS') ? 4 : 3;
  if (has('VARARGS') && has('KEYWORDS')) return 3;
  if (has('VARARGS') || has('NOARGS') || has('O')) return 2;
  return undefined;
}

/** Parameter counts of the functions defined at top level (a name before `(...)` and then `{`). */
export function functionDefinitions(text: string): Map<string, number> {
  const defs = new Map<string, number>();
  const head = /^(?:[A-Za-z_][\w\s*]*?[\s*])?([A-Za-z_]\w*)\s*\(/gm;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    let depth = 0;
    let i = m.index + m[0].length - 1;
    const start = i + 1;
    for (; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')' && --depth === 0) break;
    }
    const after = text.slice(i + 1, i + 200).replace(/^\s+/, '');
    if (!after.startsWith('{')) continue;
    // A parameter list with preprocessor lines in it (Cython's `#if CYTHON_METH_FASTCALL` variants)
    // has no single count: such functions are left to the cast audit.
    const list = text.slice(start, i);
    const params = list.includes('#') ? -1 : splitParams(list);
    defs.set(m[1], defs.has(m[1]) && defs.get(m[1]) !== params ? -1 : params);
  }
  return defs;
}

function splitParams(list: string): number {
  const body = list.replace(/\/\*[\s\S]*?\*\//g, '').trim();
  if (body === '' || body === 'void') return 0;
  let depth = 0;
  let count = 1;
  for (const c of body) {
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) count++;
  }
  return count;
}

// {"name", [casts] func, FLAGS, ...}: the function as a plain identifier, behind any of the usual casts.
const ENTRY = /\{\s*"([\w.]+)"\s*,\s*((?:\(\s*\w+\s*\)|\(\s*void\s*\(\s*\*\s*\)\s*\(\s*void\s*\)\s*\)|_PyCFunction_CAST\s*\(|\(\s*|\s)*)([A-Za-z_]\w*)\s*\)*\s*,\s*([^,{}]*?METH_[^,{}]*?)\s*[,}]/g;

/** Entries of one file whose function (defined in `defs`) takes another number of arguments. */
export function checkMethodEntries(file: string, text: string, defs: Map<string, number>): MethodEntryMismatch[] {
  const found: MethodEntryMismatch[] = [];
  for (let m = ENTRY.exec(text); m; m = ENTRY.exec(text)) {
    const flags = new Set([...m[4].matchAll(/METH_(VARARGS|KEYWORDS|NOARGS|O|FASTCALL|METHOD)\b/g)].map((f) => f[1]));
    const expected = expectedParamCount(flags);
    const declared = defs.get(m[3]);
    if (expected === undefined || declared === undefined || declared < 0 || declared === expected) continue;
    const before = text.slice(0, m.index);
    const line = before.split('\n').length;
    found.push({ file, line, column: m.index - before.lastIndexOf('\n'), method: m[1], func: m[3], flags: [...flags].sort(), declared, expected });
  }
  return found;
}

function listSources(root: string, out: string[] = []): string[] {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) listSources(path, out);
    else if (entry.isFile() && SOURCE_FILE.test(entry.name) && statSync(path).size < 64 << 20) out.push(path);
  }
  return out;
}

/** Scans source trees: definitions from all of them, entries in each file, paths relative to its root. */
export function scanMethodTables(roots: string[]): MethodEntryMismatch[] {
  const files = roots.flatMap((root) => listSources(root).map((path) => ({ root, path, text: readFileSync(path, 'utf8') })));
  const defs = new Map<string, number>();
  for (const f of files) {
    for (const [name, count] of functionDefinitions(f.text)) defs.set(name, defs.has(name) && defs.get(name) !== count ? -1 : count);
  }
  return files.flatMap((f) => checkMethodEntries(relative(f.root, f.path), f.text, defs));
}
