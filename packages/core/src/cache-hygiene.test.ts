import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheUsage, planPrune } from './cache-hygiene';
import type { SourceLock } from './lock';

const sha = (c: string) => c.repeat(64);
const lock: SourceLock = { path: 'lock.json', sources: { numpy: { name: 'numpy', version: '2.4.0', file: 'numpy-2.4.0.tar.gz', sha256: sha('a'), mirrors: ['pypi:x'] } } };

function entry(root: string, step: string, key: string, key_: unknown, done = true) {
  const dir = join(root, 'steps', step, key);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'out.bin'), 'x'.repeat(100));
  if (done) writeFileSync(join(dir, '.step-complete.json'), JSON.stringify({ step, key: key_ }));
  writeFileSync(`${dir}.log`, 'log');
}

describe('cache hygiene', () => {
  it('prunes entries built from sources no lock pins, leftovers and unknown downloads; keeps the rest', () => {
    const root = mkdtempSync(join(tmpdir(), 'hygiene-'));
    entry(root, 'numpy', 'current', { numpy: sha('a') });
    entry(root, 'numpy', 'old', { numpy: sha('b') });
    entry(root, 'numpy', 'half', { numpy: sha('a') }, false);
    entry(root, 'venv', 'unkeyed', { python: 'abc' });
    mkdirSync(join(root, 'steps', 'numpy', 'current.work'));
    writeFileSync(join(root, 'steps', 'numpy', 'gone.lock'), '999999999');
    mkdirSync(join(root, 'sources'));
    writeFileSync(join(root, 'sources', 'numpy-2.4.0.tar.gz'), 'src');
    writeFileSync(join(root, 'sources', 'numpy-2.3.0.tar.gz'), 'old src');
    const pruned = planPrune(root, [lock]).map((c) => `${c.path.slice(root.length + 1)}: ${c.reason}`).sort();
    expect(pruned).toEqual([
      'sources/numpy-2.3.0.tar.gz: a download no lock names',
      'steps/numpy/current.work: leftover of an interrupted build',
      'steps/numpy/gone.lock: lock of a process that is gone',
      'steps/numpy/half.log: log of a pruned entry',
      'steps/numpy/half: unfinished entry',
      'steps/numpy/old.log: log of a pruned entry',
      `steps/numpy/old: built from sources no lock pins (${'b'.repeat(12)})`,
    ]);
    expect(cacheUsage(root).byFolder.sources).toBe(10);
  });

  it('keeps content-keyed results (wasm-opt) that were used lately, whatever sha256 their key names', () => {
    const root = mkdtempSync(join(tmpdir(), 'hygiene-'));
    const day = 86_400_000;
    const now = Date.parse('2026-11-27T00:00:00Z');
    entry(root, 'wasm-opt', 'recent', { module: sha('c'), flags: ['-O2'] });
    entry(root, 'wasm-opt', 'stale', { module: sha('d'), flags: ['-O2'] });
    const at = (name: string, t: number) => utimesSync(join(root, 'steps', 'wasm-opt', name, '.step-complete.json'), t / 1000, t / 1000);
    at('recent', now - 2 * day);
    at('stale', now - 30 * day);
    const pruned = planPrune(root, [lock], { now }).map((c) => `${c.path.slice(root.length + 1)}: ${c.reason}`).sort();
    expect(pruned).toEqual(['steps/wasm-opt/stale.log: log of a pruned entry', 'steps/wasm-opt/stale: a wasm-opt result not used for 14 days']);
  });
});
