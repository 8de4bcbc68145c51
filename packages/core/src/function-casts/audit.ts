import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { scanMethodTables, type MethodEntryMismatch } from './method-tables';
import { WasiPystackError } from '../errors';
import { log as logLine } from '../log';
import { FUNCTION_CAST_WARNING_FLAGS, castId, classifyCast, parseFunctionCasts, type CastKind, type ClassifiedCast, type PathContext } from './cast-warnings';
import type { StepContext, StepPhase } from '../engine/step-engine';

/**
 * The guard against signature-mismatch traps at compile time: every function-pointer cast whose wasm
 * signatures differ must be fixed at its source (a patch) or listed, with the reason it never traps,
 * in the step's reviewed allow-list. A new mismatch, or an allow-list entry that matches nothing any
 * more, fails the step.
 *
 * Allow-list lines: `<file>:<line>:<column>  # <why a call through the cast type never happens>`.
 */
export interface FunctionCastAuditInput {
  /** The step's build log (with the compiler's warnings). */
  log: string;
  /** Where the compiler ran, and the source trees whose prefix is cut from reported paths. */
  paths: PathContext;
  /** The reviewed allow-list, if the step has one. */
  allowList?: string;
  /** What was built, for the error text (e.g. "NumPy 2.4.0"). */
  what: string;
  /** Classify without failing (triage). */
  reportOnly?: boolean;
  /** Method-table entries whose function takes another number of arguments (method-tables.ts). */
  methodEntries?: MethodEntryMismatch[];
}

export interface FunctionCastAudit {
  counts: Record<CastKind, number>;
  /** Every cast that is not plainly compatible, with its verdict. */
  casts: (ClassifiedCast & { allowed?: string })[];
}

export function readAllowList(path: string | undefined): Map<string, string> {
  const entries = new Map<string, string>();
  if (!path || !existsSync(path)) return entries;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [id, ...reason] = line.split('#');
    entries.set(id.trim(), reason.join('#').trim());
  }
  return entries;
}

const i32s = (n: number) => `(${Array(n).fill('i32').join(',')})->(i32)`;

/** A method-table entry whose function takes another number of arguments than its flags pass. */
function methodEntryAsCast(e: MethodEntryMismatch): ClassifiedCast {
  const sig = (n: number, returns?: string) => (returns === 'void' ? `${i32s(n).slice(0, -5)}->()` : i32s(n));
  if (e.method.startsWith('Py_')) {
    return {
      file: e.file, line: e.line, column: e.column, kind: 'mismatch', flags: e.flags,
      from: `${e.func} (${e.declared} parameters${e.returns ? `, returns ${e.returns}` : ''})`, fromWasm: sig(e.declared, e.returns),
      to: `type slot ${e.method} (${e.expected} arguments${e.expectedReturns ? `, returns ${e.expectedReturns}` : ''})`, toWasm: sig(e.expected, e.expectedReturns),
    };
  }
  const flags = e.flags.map((f) => `METH_${f}`).join('|');
  return {
    file: e.file, line: e.line, column: e.column, kind: 'mismatch', flags: e.flags,
    from: `${e.func} (${e.declared} parameters)`, fromWasm: i32s(e.declared),
    to: `method "${e.method}" called as ${flags} (${e.expected} arguments)`, toWasm: i32s(e.expected),
  };
}

/** Reads reported files (relative to a source root, or absolute), each once. */
function sourceReader(paths: PathContext): (file: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      const found = [file, ...(paths.sourceRoots ?? []).map((r) => join(r, file))].find((p) => isAbsolute(p) && existsSync(p));
      cache.set(file, found ? readFileSync(found, 'utf8') : undefined);
    }
    return cache.get(file);
  };
}

export function auditFunctionCasts(input: FunctionCastAuditInput): FunctionCastAudit {
  // One reader for all casts: it keeps each source file read once (pandas' 9,000 casts are in a few
  // dozen Cython files of megabytes each; a reader per cast read them 37 s long).
  const readSource = sourceReader(input.paths);
  const classified = [
    ...parseFunctionCasts(input.log, input.paths).map((c) => classifyCast(c, readSource)),
    ...(input.methodEntries ?? []).map(methodEntryAsCast),
  ];
  const allow = readAllowList(input.allowList);
  const counts: Record<CastKind, number> = { compatible: 0, erased: 0, method: 0, mismatch: 0, unknown: 0 };
  for (const c of classified) counts[c.kind]++;
  const needsReview = classified.filter((c) => c.kind === 'mismatch' || c.kind === 'unknown');
  const unexplained = needsReview.filter((c) => !allow.has(castId(c)));
  const stale = [...allow.keys()].filter((id) => !needsReview.some((c) => castId(c) === id));
  if (!input.reportOnly && (unexplained.length || stale.length)) {
    const listPath = input.allowList ?? 'the step\'s function-casts.allow';
    throw new WasiPystackError(
      `${input.what}: ${unexplained.length} function-pointer cast(s) would trap on wasm (indirect call type mismatch)` +
        (stale.length ? `, and ${stale.length} allow-list entr${stale.length === 1 ? 'y matches' : 'ies match'} no cast` : ''),
      `give each function the signature of the pointer it is called through (a patch with its reason), or, if a call through that type never happens, add '<file>:<line>:<column>  # <reason>' to ${listPath}; remove stale entries`,
      [
        ...unexplained.map((c) => `${castId(c)}  ${c.kind}: ${c.from} ${c.fromWasm ?? '?'} -> ${c.to} ${c.toWasm ?? '?'}`),
        ...stale.map((id) => `stale allow-list entry: ${id}`),
      ],
    );
  }
  return {
    counts,
    casts: classified.filter((c) => c.kind !== 'compatible').map((c) => (allow.has(castId(c)) ? { ...c, allowed: allow.get(castId(c)) } : c)),
  };
}

/**
 * `strict` (the default) fails a step on an unexplained cast; `warn` (WASI_PYSTACK_CAST_AUDIT=warn,
 * for triage of a new version) only logs it. The mode is part of the step keys that audit, so a
 * triage build is never reused as a checked one.
 */
export function castAuditMode(env: NodeJS.ProcessEnv = process.env): 'strict' | 'warn' {
  return env.WASI_PYSTACK_CAST_AUDIT === 'warn' ? 'warn' : 'strict';
}

/**
 * Audits the log and the method tables of the source trees (`scanRoots`, default: the source roots)
 * and writes the verdict beside the step's output (function-casts.json).
 */
export function auditStepFunctionCasts(input: Omit<FunctionCastAuditInput, 'log' | 'methodEntries'> & { logFile: string; outDir: string; scanRoots?: string[] }): FunctionCastAudit {
  const log = readFileSync(input.logFile, 'utf8');
  const roots = input.scanRoots ?? input.paths.sourceRoots ?? [];
  const sourceRoot = (p: string) => (input.paths.sourceRoots ?? []).find((r) => p === r || p.startsWith(`${r}/`)) ?? p;
  // Entry paths relative to the source root (as the casts' are), not to the scanned sub-folder.
  const methodEntries = roots.flatMap((r) => scanMethodTables([r]).map((e) => ({ ...e, file: relative(sourceRoot(r), join(r, e.file)) })));
  let audit: FunctionCastAudit;
  try {
    audit = auditFunctionCasts({ ...input, log, methodEntries });
  } catch (e) {
    if (castAuditMode() === 'strict' || !(e instanceof WasiPystackError)) throw e;
    logLine(`WASI_PYSTACK_CAST_AUDIT=warn, going on despite:\n${e.message}`);
    audit = auditFunctionCasts({ ...input, log, methodEntries, allowList: undefined, reportOnly: true });
  }
  writeFileSync(join(input.outDir, 'function-casts.json'), JSON.stringify(audit, null, 1) + '\n');
  return audit;
}

/** Where a step's compiler ran and what the audit reads, from the step's folders. */
export type CastAuditPaths = (ctx: Pick<StepContext, 'src' | 'work'>) => { buildDir: string; sourceRoots: string[]; scanRoots?: string[] };

/**
 * The function-cast audit as the phase every builder runs after its compiles: any cast or
 * method-table entry that would trap on wasm fails the step here (see auditStepFunctionCasts).
 */
export function castAuditPhase(what: string, allowList: string | undefined, paths: CastAuditPaths): StepPhase {
  return {
    name: 'function-cast audit',
    run: ({ src, work, out, logFile }) => {
      const { scanRoots, ...where } = paths({ src, work });
      auditStepFunctionCasts({ logFile, outDir: out, paths: where, allowList, what, scanRoots });
    },
  };
}

/** What of the audit goes into a step's cache key: the warning flags, the mode and the reviewed list. */
export function castAuditKey(allowList: string): { flags: string[]; mode: string; allowList: string } {
  const text = existsSync(allowList) ? readFileSync(allowList) : Buffer.alloc(0);
  return { flags: FUNCTION_CAST_WARNING_FLAGS, mode: castAuditMode(), allowList: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}
