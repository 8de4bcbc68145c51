#!/usr/bin/env node
// Checks the self-hosted Nx remote cache (Nx's HTTP cache, NX_SELF_HOSTED_REMOTE_CACHE_SERVER) the way a
// CI fleet uses it: two clones at different paths, each with its own Nx cache and its own step cache,
// sharing only a remote cache served by s3rver on 127.0.0.1 for the length of the run.
//   1. clone A builds TARGET cold and uploads every task to the remote;
//   2. clone B, with empty caches, must take every task from the remote ("remote hit");
//   3. clone B again, after deleting dist/, must take every task from its own Nx cache ("local hit").
// The task hashes of A and B must be equal and B's dist/ byte-identical to A's after 2 and 3.
//   node tools/remote-cache-check.mjs [TARGET] [--shared-step-cache] [--keep] [--work DIR]
//   default TARGET: pandas-wasi:build (a cold build of CPython, NumPy and pandas: ~20 min on 2 cores).
//   --shared-step-cache: clone A reuses this machine's step cache (fast; proves the Nx side only).
// Prints one JSON summary line (times in seconds) and exits 1 when a check fails.
// tools/reproducibility-check.mjs --remote runs the same checks inside the reproducibility check.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstTreeDifference, nxRun, prepareClone, startCacheServer, treeDigest } from './two-clones.mjs';

export { firstTreeDifference, startCacheServer, treeDigest } from './two-clones.mjs';

const say = (m) => m && process.stderr.write(`[remote-cache] ${m}\n`);

/**
 * B after A uploaded: every task from the remote with A's hashes and A's bytes, then (dist/ deleted)
 * every task from B's own Nx cache. Returns the times and the checks that failed.
 */
export async function checkRemoteHits({ a, b, cold, url, nxArgs }) {
  const failures = [];
  const check = (ok, what) => { if (!ok) failures.push(what); say(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };
  const remote = await nxRun(b, nxArgs, { remoteUrl: url, say });
  const digestA = treeDigest(join(a.clone, 'dist'));
  const afterRemote = firstTreeDifference(digestA, treeDigest(join(b.clone, 'dist')));
  rmSync(join(b.clone, 'dist'), { recursive: true, force: true });
  const local = await nxRun(b, nxArgs, { remoteUrl: url, say });
  const afterLocal = firstTreeDifference(digestA, treeDigest(join(b.clone, 'dist')));
  const tasks = Object.keys(cold.records);
  const statuses = (run) => JSON.stringify(Object.fromEntries(tasks.map((t) => [t, run.records[t]?.status])));
  check(tasks.length > 0 && tasks.every((t) => cold.records[t].status === 'success'), `A ran all ${tasks.length} tasks (${tasks.join(', ')})`);
  const differing = tasks.filter((t) => remote.records[t]?.hash !== cold.records[t].hash);
  check(!differing.length, `task hashes equal across clone paths${differing.length ? `; differ: ${differing.join(', ')}` : ''}`);
  check(tasks.every((t) => remote.records[t]?.status === 'remote-cache'), `B took every task from the remote: ${statuses(remote)}`);
  // 'local-cache-kept-existing': a local hit whose outputs were already in place (Nx leaves them).
  check(tasks.every((t) => ['local-cache', 'local-cache-kept-existing'].includes(local.records[t]?.status)), `B's second run took every task from its local cache: ${statuses(local)}`);
  check(Object.keys(digestA).length > 0 && !afterRemote, `B's dist/ after the remote hit is byte-identical to A's (${Object.keys(digestA).length} files)${afterRemote ? `; first difference ${afterRemote}` : ''}`);
  check(!afterLocal, `B's dist/ after the local hit is byte-identical to A's${afterLocal ? `; first difference ${afterLocal}` : ''}`);
  return { failures, seconds: { cold: cold.seconds, remoteHit: remote.seconds, localHit: local.seconds }, hashes: Object.fromEntries(tasks.map((t) => [t, cold.records[t].hash])), files: Object.keys(digestA).length };
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
  const flag = (n) => { const i = args.indexOf(n); return i >= 0 && args.splice(i, 1).length > 0; };
  const work = opt('--work');
  const keep = flag('--keep');
  const sharedStepCache = flag('--shared-step-cache');
  const target = args[0] ?? 'pandas-wasi:build';
  const base = work ? (mkdirSync(work, { recursive: true }), work) : mkdtempSync(join(tmpdir(), 'remote-cache-'));
  const a = prepareClone(base, 'a', { sharedStepCache, say });
  const b = prepareClone(base, 'b', { say });
  const server = await startCacheServer(join(base, 's3rver'));
  say(`remote cache ${server.url}`);
  let result;
  try {
    const nxArgs = ['run', target];
    const cold = await nxRun(a, nxArgs, { remoteUrl: server.url, say });
    result = { target, stepCacheA: sharedStepCache ? 'shared' : 'empty', ...(await checkRemoteHits({ a, b, cold, url: server.url, nxArgs })) };
  } finally {
    await server.close();
    say('remote cache server stopped');
    if (!keep) rmSync(base, { recursive: true, force: true });
    else say(`kept ${base}`);
  }
  console.log(JSON.stringify(result));
  process.exitCode = result.failures.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main().catch((e) => { console.error(e); process.exitCode = 1; });
