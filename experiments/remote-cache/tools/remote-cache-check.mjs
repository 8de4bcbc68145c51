#!/usr/bin/env node
// Checks the self-hosted Nx remote cache (Nx's HTTP cache, NX_SELF_HOSTED_REMOTE_CACHE_SERVER) the way a
// CI fleet uses it: two clones at different paths, each with its own Nx cache and its own step cache,
// sharing only a remote cache served by s3rver (a devDependency) on 127.0.0.1 for the length of the run.
//   1. clone A builds TARGET cold and uploads every task to the remote;
//   2. clone B, with empty caches, must take every task from the remote ("remote hit");
//   3. clone B again, after deleting dist/, must take every task from its own Nx cache ("local hit").
// The task hashes of A and B must be equal and B's dist/ must be byte-identical to A's after 2 and 3.
//   node tools/remote-cache-check.mjs [TARGET] [--shared-step-cache] [--keep] [--work DIR]
//   default TARGET: pandas-wasi:build (a cold build of CPython, NumPy and pandas: ~25 min on 2 cores).
//   --shared-step-cache: clone A reuses this machine's step cache (fast; proves the Nx side only).
// Prints one JSON summary line (times in seconds) and exits 1 when a check fails.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => process.stderr.write(`[remote-cache] ${m}\n`);
const BUCKET = 'nx-cache';

/** Starts s3rver on 127.0.0.1 (a free port) with one bucket; Nx's HTTP cache reads and writes
 *  <server>/v1/cache/<hash>, which is an object key in that bucket (path-style). */
export async function startCacheServer(directory) {
  const S3rver = createRequire(join(ROOT, 'package.json'))('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  const { address, port } = await server.run();
  if (address !== '127.0.0.1') throw new Error(`cache server bound to ${address}, not 127.0.0.1`);
  return { url: `http://127.0.0.1:${port}/${BUCKET}`, close: () => server.close() };
}

/** path -> sha256 (or link target) of every file under dir, sorted. */
export function treeDigest(dir) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const key = relative(dir, p);
      if (st.isSymbolicLink()) out[key] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) walk(p);
      else out[key] = `${(st.mode & 0o111) ? 'x' : '-'} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

export function firstTreeDifference(a, b) {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[k] !== b[k]) return `${k}: ${a[k] ?? '(missing)'} against ${b[k] ?? '(missing)'}`;
  }
  return undefined;
}

/** task id -> { hash, status } of the latest run, from Nx's workspace-data database. */
function taskRecords(dataDir) {
  const db = readdirSync(dataDir).find((f) => f.endsWith('.db'));
  const py = `import json,sqlite3,sys
c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro',uri=True)
rows=c.execute("select d.project||':'||d.target||coalesce(':'||d.configuration,''),h.hash,h.status from task_history h join task_details d on d.hash=h.hash order by h.id")
print(json.dumps({t:{'hash':x,'status':s} for t,x,s in rows}))`;
  return JSON.parse(execFileSync('python3', ['-c', py, join(dataDir, db)], { encoding: 'utf8' }));
}

function prepareClone(base, label, sharedStepCache) {
  // Different names and depths, so nothing that depends on the checkout's path can pass unnoticed.
  const clone = join(base, label === 'a' ? 'ci-runner-1/wasi-pystack' : 'elsewhere/deeper/runner-2/checkout');
  mkdirSync(dirname(clone), { recursive: true });
  execFileSync('git', ['clone', '--quiet', ROOT, clone]);
  const env = {
    ...process.env,
    NX_TUI: 'false',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    // Nx 23 otherwise shares one local cache between all checkouts of a repository (~/.nx/<id>/):
    // both clones would hit the other's local cache and never ask the remote.
    NX_CACHE_DIRECTORY: join(base, `nx-${label}`, 'cache'),
    NX_WORKSPACE_DATA_DIRECTORY: join(base, `nx-${label}`, 'workspace-data'),
  };
  if (sharedStepCache && label === 'a') delete env.WASI_PYSTACK_CACHE;
  else env.WASI_PYSTACK_CACHE = join(base, `steps-${label}`);
  say(`${label}: ${clone} (step cache ${env.WASI_PYSTACK_CACHE ?? 'shared default'})`);
  execFileSync('node', ['tools/setup.mjs'], { cwd: clone, env, stdio: 'inherit' });
  return { clone, env, dataDir: env.NX_WORKSPACE_DATA_DIRECTORY };
}

/** Runs `nx run TARGET` in a clone against the remote cache. Asynchronous on purpose: the cache server
 *  lives in this process, and a synchronous child would stall it (Nx would wait forever on its GET). */
async function nx(c, serverUrl, target) {
  const env = { ...c.env, NX_SELF_HOSTED_REMOTE_CACHE_SERVER: serverUrl };
  // s3rver answers only AWS signatures and rejects `Authorization: Bearer`; a server that checks tokens
  // gets NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN from the CI secret store, never from the repository.
  delete env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN;
  const start = performance.now();
  const child = spawn(process.execPath, ['node_modules/nx/dist/bin/nx.js', 'run', target, '--outputStyle=static'], { cwd: c.clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise((res, rej) => { child.on('error', rej); child.on('close', res); });
  const seconds = Math.round((performance.now() - start) / 100) / 10;
  process.stderr.write(stdout.split('\n').filter((l) => /^> nx run|Nx read the output|Run duration|Cache:|NX /.test(l.trim())).map((l) => `    ${l}\n`).join(''));
  if (code !== 0) throw new Error(`nx run ${target} failed in ${c.clone}:\n${stdout}\n${stderr}`);
  return { seconds, records: taskRecords(c.dataDir) };
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (n) => { const i = args.indexOf(n); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
  const flag = (n) => { const i = args.indexOf(n); return i >= 0 && args.splice(i, 1).length > 0; };
  const work = opt('--work');
  const keep = flag('--keep');
  const shared = flag('--shared-step-cache');
  const target = args[0] ?? 'pandas-wasi:build';
  const base = work ? (mkdirSync(work, { recursive: true }), work) : mkdtempSync(join(tmpdir(), 'remote-cache-'));
  const a = prepareClone(base, 'a', shared);
  const b = prepareClone(base, 'b', shared);
  const server = await startCacheServer(join(base, 's3rver'));
  say(`remote cache ${server.url}`);
  const failures = [];
  const check = (ok, what) => { if (!ok) failures.push(what); say(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };
  let summary;
  try {
    const cold = await nx(a, server.url, target);
    const remote = await nx(b, server.url, target);
    const digestA = treeDigest(join(a.clone, 'dist'));
    const afterRemote = firstTreeDifference(digestA, treeDigest(join(b.clone, 'dist')));
    rmSync(join(b.clone, 'dist'), { recursive: true, force: true });
    const local = await nx(b, server.url, target);
    const afterLocal = firstTreeDifference(digestA, treeDigest(join(b.clone, 'dist')));

    const tasks = Object.keys(cold.records);
    check(tasks.length > 0 && tasks.every((t) => cold.records[t].status === 'success'), `A ran all ${tasks.length} tasks (${tasks.join(', ')})`);
    const differing = tasks.filter((t) => remote.records[t]?.hash !== cold.records[t].hash);
    check(!differing.length, `task hashes equal across clone paths${differing.length ? `; differ: ${differing.join(', ')}` : ''}`);
    check(tasks.every((t) => remote.records[t]?.status === 'remote-cache'), `B took every task from the remote: ${JSON.stringify(Object.fromEntries(tasks.map((t) => [t, remote.records[t]?.status])))}`);
    check(tasks.every((t) => local.records[t]?.status === 'local-cache'), `B's second run took every task from its local cache: ${JSON.stringify(Object.fromEntries(tasks.map((t) => [t, local.records[t]?.status])))}`);
    check(Object.keys(digestA).length > 0 && !afterRemote, `B's dist/ after the remote hit is byte-identical to A's (${Object.keys(digestA).length} files)${afterRemote ? `; first difference ${afterRemote}` : ''}`);
    check(!afterLocal, `B's dist/ after the local hit is byte-identical to A's${afterLocal ? `; first difference ${afterLocal}` : ''}`);
    summary = { target, stepCacheA: shared ? 'shared' : 'empty', seconds: { cold: cold.seconds, remoteHit: remote.seconds, localHit: local.seconds }, hashes: Object.fromEntries(tasks.map((t) => [t, cold.records[t].hash])), files: Object.keys(digestA).length };
  } finally {
    await server.close();
    say('remote cache server stopped');
    if (!keep) rmSync(base, { recursive: true, force: true });
    else say(`kept ${base}`);
  }
  console.log(JSON.stringify({ ...summary, failures }));
  process.exitCode = failures.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main().catch((e) => { console.error(e); process.exitCode = 1; });
