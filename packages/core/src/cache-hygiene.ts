import { existsSync, lstatSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceLock } from './lock';
import { sourcesDir, stepsDir } from './workspace-facts';
import { processAlive } from './step-cache';

/** Bytes below a path (symlinks counted as themselves, never followed). */
export function diskUsage(path: string): number {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + diskUsage(join(path, name)), 0);
}

/** The cache's size, in total and per top-level folder (sources, steps, toolchains, wasmtime, ...). */
export function cacheUsage(root: string): { total: number; byFolder: Record<string, number> } {
  const byFolder: Record<string, number> = {};
  for (const name of existsSync(root) ? readdirSync(root) : []) byFolder[name] = diskUsage(join(root, name));
  return { total: Object.values(byFolder).reduce((a, b) => a + b, 0), byFolder };
}

export interface PruneCandidate {
  path: string;
  bytes: number;
  reason: string;
}

const SHA256 = /\b[0-9a-f]{64}\b/g;

/**
 * Steps keyed by the content of a build output rather than by sources (wasm-opt: the sha256 of the
 * linked module). No lock pins such a key, so these entries are judged by when they were last used
 * (their marker's time, renewed on every cache hit) instead.
 */
export const CONTENT_KEYED_STEPS = ['wasm-opt'];
export const DEFAULT_MAX_UNUSED_DAYS = 14;

/**
 * What pruning would remove, given the locks still in use: step entries whose key names a source
 * sha256 that none of the locks pins (with their logs), leftovers of builds whose process is gone
 * (work and temporary folders, stale locks), and downloaded sources no lock names. Entries whose key
 * names no source sha256 are kept. Entries of content-keyed steps are pruned when unused for
 * maxUnusedDays. Pure apart from reading the cache.
 */
export function planPrune(root: string, locks: SourceLock[], options: { now?: number; maxUnusedDays?: number } = {}): PruneCandidate[] {
  const maxUnusedDays = options.maxUnusedDays ?? DEFAULT_MAX_UNUSED_DAYS;
  const unusedSince = (options.now ?? Date.now()) - maxUnusedDays * 86_400_000;
  const pinned = new Set(locks.flatMap((l) => Object.values(l.sources).map((s) => s.sha256)));
  const files = new Set(locks.flatMap((l) => Object.values(l.sources).map((s) => s.file)));
  const out: PruneCandidate[] = [];
  const add = (path: string, reason: string) => out.push({ path, bytes: diskUsage(path), reason });
  const steps = stepsDir(root);
  for (const step of existsSync(steps) ? readdirSync(steps) : []) {
    const dir = join(steps, step);
    const names = readdirSync(dir);
    const prunedEntries = new Set<string>();
    const busy = new Set(names.filter((n) => n.endsWith('.lock')).filter((n) => processAlive(Number(readFileSync(join(dir, n), 'utf8')))).map((n) => n.slice(0, -'.lock'.length)));
    for (const name of names) {
      const entry = name.split('.')[0];
      if (busy.has(entry)) continue; // a build is running: leave everything of it alone
      const path = join(dir, name);
      if (name === entry) {
        const marker = join(path, '.step-complete.json');
        if (!existsSync(marker)) {
          add(path, 'unfinished entry');
          prunedEntries.add(entry);
          continue;
        }
        if (CONTENT_KEYED_STEPS.includes(step)) {
          if (statSync(marker).mtimeMs < unusedSince) {
            add(path, `a ${step} result not used for ${maxUnusedDays} days`);
            prunedEntries.add(entry);
          }
          continue;
        }
        const unpinned = [...new Set(readFileSync(marker, 'utf8').match(SHA256) ?? [])].filter((sha) => !pinned.has(sha));
        if (unpinned.length) {
          add(path, `built from sources no lock pins (${unpinned.map((s) => s.slice(0, 12)).join(', ')})`);
          prunedEntries.add(entry);
        }
      } else if (name.endsWith('.lock')) add(path, 'lock of a process that is gone');
      else if (name.endsWith('.work') || name.includes('.tmp-')) add(path, 'leftover of an interrupted build');
    }
    // Logs go with their entries.
    for (const name of names.filter((n) => n.endsWith('.log') && prunedEntries.has(n.split('.')[0]))) add(join(dir, name), 'log of a pruned entry');
  }
  const sources = sourcesDir(root);
  for (const name of existsSync(sources) ? readdirSync(sources) : []) {
    if (!files.has(name)) add(join(sources, name), 'a download no lock names');
  }
  return out;
}

export function prune(candidates: PruneCandidate[]): number {
  for (const c of candidates) rmSync(c.path, { recursive: true, force: true });
  return candidates.reduce((n, c) => n + c.bytes, 0);
}
