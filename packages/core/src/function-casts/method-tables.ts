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
  /** For type slots whose function returns otherwise than CPython expects. */
  returns?: string;
  expectedReturns?: string;
}

const SOURCE_FILE = /\.(c|h|cpp|cc|cxx|hpp|c\.src|h\.src|cpp\.src|inc)$/;

/** The METH_* calling-convention flags named in a flags expression (Cython's `__Pyx_METH_FASTCALL` too). */
export function methodFlags(text: string): Set<string> {
  return new Set([...text.matchAll(/METH_(VARARGS|KEYWORDS|NOARGS|O|FASTCALL|METHOD)\b/g)].map((m) => m[1]));
}

/** Arguments CPython passes, by calling convention (all pointer-sized on wasm32); undefined if the flags are not a valid convention. */
export function expectedParamCount(flags: Set<string>): number | undefined {
  const has = (f: string) => flags.has(f);
  if (has('METHOD')) return has('FASTCALL') && has('KEYWORDS') ? 5 : undefined;
  if (has('FASTCALL')) return has('KEYWORDS') ? 4 : 3;
  if (has('VARARGS') && has('KEYWORDS')) return 3;
  if (has('KEYWORDS')) return undefined;
  if (has('VARARGS') || has('NOARGS') || has('O')) return 2;
  return undefined;
}

/** Parameter counts of the functions defined at top level (a name before `(...)` and then `{`). */
export function functionDefinitions(text: string): Map<string, number> {
  return new Map([...functionSignatures(text)].map(([name, sig]) => [name, sig.params]));
}

/** Parameter count (-1: ambiguous) and whether it returns void, of each function defined at top level. */
export function functionSignatures(text: string): Map<string, { params: number; returnsVoid: boolean }> {
  const defs = new Map<string, { params: number; returnsVoid: boolean }>();
  const head = /^((?:[A-Za-z_][\w\s*]*?[\s*])?)([A-Za-z_]\w*)\s*\(/gm;
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
    // The return type: on the definition's line, or alone on the line before (CPython's style).
    const lineStart = text.lastIndexOf('\n', m.index - 1);
    const previous = text.slice(text.lastIndexOf('\n', lineStart - 1) + 1, Math.max(lineStart, 0));
    const returnType = (m[1].trim() || previous.trim()).replace(/\b(static|inline|extern|NPY_NO_EXPORT|Py_LOCAL_INLINE|PyAPI_FUNC)\b/g, '').trim();
    // `void` last: macros may stand before it (Cython's `CYTHON_UNUSED static void`); `void *` is a value.
    const sig = { params, returnsVoid: /(^|\s)void$/.test(returnType) };
    const known = defs.get(m[2]);
    defs.set(m[2], known && (known.params !== sig.params || known.returnsVoid !== sig.returnsVoid) ? { params: -1, returnsVoid: sig.returnsVoid } : sig);
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
    const flags = methodFlags(m[4]);
    const expected = expectedParamCount(flags);
    const declared = defs.get(m[3]);
    if (expected === undefined || declared === undefined || declared < 0 || declared === expected) continue;
    const before = text.slice(0, m.index);
    const line = before.split('\n').length;
    found.push({ file, line, column: m.index - before.lastIndexOf('\n'), method: m[1], func: m[3], flags: [...flags].sort(), declared, expected });
  }
  return found;
}

/**
 * What CPython calls each heap-type slot with (PyType_Spec's `{Py_tp_clear, func}`, stored as `void *`,
 * so no cast is ever reported): the number of arguments, and whether a result is used.
 */
export const TYPE_SLOTS: Record<string, { params: number; returnsVoid: boolean }> = {
  Py_tp_dealloc: { params: 1, returnsVoid: true }, Py_tp_finalize: { params: 1, returnsVoid: true },
  Py_tp_free: { params: 1, returnsVoid: true }, Py_bf_releasebuffer: { params: 2, returnsVoid: true },
  Py_tp_clear: { params: 1, returnsVoid: false }, Py_tp_traverse: { params: 3, returnsVoid: false },
  Py_tp_repr: { params: 1, returnsVoid: false }, Py_tp_str: { params: 1, returnsVoid: false },
  Py_tp_hash: { params: 1, returnsVoid: false }, Py_tp_iter: { params: 1, returnsVoid: false },
  Py_tp_iternext: { params: 1, returnsVoid: false }, Py_tp_call: { params: 3, returnsVoid: false },
  Py_tp_init: { params: 3, returnsVoid: false }, Py_tp_new: { params: 3, returnsVoid: false },
  Py_tp_richcompare: { params: 3, returnsVoid: false }, Py_tp_getattro: { params: 2, returnsVoid: false },
  Py_tp_setattro: { params: 3, returnsVoid: false }, Py_tp_descr_get: { params: 3, returnsVoid: false },
  Py_tp_descr_set: { params: 3, returnsVoid: false }, Py_tp_alloc: { params: 2, returnsVoid: false },
  Py_tp_is_gc: { params: 1, returnsVoid: false }, Py_mp_length: { params: 1, returnsVoid: false },
  Py_mp_subscript: { params: 2, returnsVoid: false }, Py_mp_ass_subscript: { params: 3, returnsVoid: false },
  Py_sq_length: { params: 1, returnsVoid: false }, Py_sq_item: { params: 2, returnsVoid: false },
  Py_sq_ass_item: { params: 3, returnsVoid: false }, Py_sq_contains: { params: 2, returnsVoid: false },
  Py_sq_concat: { params: 2, returnsVoid: false }, Py_sq_repeat: { params: 2, returnsVoid: false },
  Py_bf_getbuffer: { params: 3, returnsVoid: false }, Py_nb_bool: { params: 1, returnsVoid: false },
  Py_am_await: { params: 1, returnsVoid: false }, Py_am_aiter: { params: 1, returnsVoid: false },
  Py_am_anext: { params: 1, returnsVoid: false }, Py_nb_power: { params: 3, returnsVoid: false },
  Py_nb_inplace_power: { params: 3, returnsVoid: false },
};
const UNARY_NUMBER_SLOTS = ['negative', 'positive', 'absolute', 'invert', 'int', 'float', 'index'];

function slotSignature(slot: string): { params: number; returnsVoid: boolean } | undefined {
  if (TYPE_SLOTS[slot]) return TYPE_SLOTS[slot];
  const nb = /^Py_nb_(\w+)$/.exec(slot);
  if (nb) return { params: UNARY_NUMBER_SLOTS.includes(nb[1]) ? 1 : 2, returnsVoid: false };
  return undefined;
}

// {Py_tp_clear, func}, also behind (void *) or _Py_CAST(void*, func).
const SLOT = /\{\s*(Py_(?:tp|nb|sq|mp|bf|am)_\w+)\s*,\s*(?:\(\s*void\s*\*\s*\)\s*|_Py_CAST\s*\(\s*void\s*\*\s*,\s*)?\(?\s*([A-Za-z_]\w*)\s*\)?\s*\}/g;

/** PyType_Slot entries of one file whose function takes other arguments or returns otherwise than CPython calls it. */
export function checkTypeSlots(file: string, text: string, defs: Map<string, { params: number; returnsVoid: boolean }>): MethodEntryMismatch[] {
  const found: MethodEntryMismatch[] = [];
  for (let m = SLOT.exec(text); m; m = SLOT.exec(text)) {
    const expected = slotSignature(m[1]);
    const declared = defs.get(m[2]);
    if (!expected || !declared || declared.params < 0) continue;
    if (declared.params === expected.params && declared.returnsVoid === expected.returnsVoid) continue;
    const before = text.slice(0, m.index);
    found.push({
      file, line: before.split('\n').length, column: m.index - before.lastIndexOf('\n'), method: m[1], func: m[2], flags: [m[1]],
      declared: declared.params, expected: expected.params,
      ...(declared.returnsVoid !== expected.returnsVoid ? { returns: declared.returnsVoid ? 'void' : 'a value', expectedReturns: expected.returnsVoid ? 'void' : 'a value' } : {}),
    });
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
  const sigs = new Map<string, { params: number; returnsVoid: boolean }>();
  for (const f of files) {
    for (const [name, sig] of functionSignatures(f.text)) {
      const known = sigs.get(name);
      sigs.set(name, known && (known.params !== sig.params || known.returnsVoid !== sig.returnsVoid) ? { ...sig, params: -1 } : sig);
    }
  }
  const defs = new Map([...sigs].map(([name, sig]) => [name, sig.params]));
  return files.flatMap((f) => [...checkMethodEntries(relative(f.root, f.path), f.text, defs), ...checkTypeSlots(relative(f.root, f.path), f.text, sigs)]);
}
