#!/usr/bin/env node
// The step cache (~/.cache/wasi-pystack, or WASI_PYSTACK_CACHE): its size, and pruning what no lock
// refers to.
//   wasi-pystack-cache size
//   wasi-pystack-cache prune [--dry-run] [--lock FILE]...   (default lock: this workspace's)
import { readFileSync } from 'node:fs';
import { cacheUsage, planPrune, prune } from '../cache-hygiene';
import { parseLock, readLock } from '../lock';
import { cacheRoot } from '../workspace-facts';
import { findWorkspaceRoot } from '../workspace-root';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const [command = 'size', ...rest] = process.argv.slice(2);
const root = cacheRoot();

if (command === 'size') {
  const usage = cacheUsage(root);
  console.log(`${root}: ${mb(usage.total)}`);
  for (const [name, bytes] of Object.entries(usage.byFolder).sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(20)} ${mb(bytes)}`);
} else if (command === 'prune') {
  const lockFiles = rest.flatMap((a, i) => (rest[i - 1] === '--lock' ? [a] : []));
  const locks = lockFiles.length ? lockFiles.map((f) => parseLock(readFileSync(f, 'utf8'), f)) : [readLock(findWorkspaceRoot())];
  const candidates = planPrune(root, locks);
  for (const c of candidates) console.log(`${rest.includes('--dry-run') ? 'would remove' : 'removing'} ${c.path} (${mb(c.bytes)}): ${c.reason}`);
  const freed = rest.includes('--dry-run') ? candidates.reduce((n, c) => n + c.bytes, 0) : prune(candidates);
  console.log(`${rest.includes('--dry-run') ? 'would free' : 'freed'} ${mb(freed)} of ${root}, keeping what ${locks.map((l) => l.path).join(', ')} pin${locks.length === 1 ? 's' : ''}`);
} else {
  console.error('usage: wasi-pystack-cache size | prune [--dry-run] [--lock FILE]...');
  process.exitCode = 2;
}
