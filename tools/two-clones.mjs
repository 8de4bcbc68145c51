// What the remote-cache check and the reproducibility check share: clones of this repository at
// different paths, each with its own step cache and its own Nx cache, Nx runs in them, a loopback
// S3 server for Nx's self-hosted HTTP cache, and comparisons of output trees.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUCKET = 'nx-cache';

/**
 * Starts s3rver (a devDependency) on 127.0.0.1, on a free port, with one bucket. Nx's HTTP cache
 * reads and writes <server>/v1/cache/<hash>: an object key in that bucket (path-style).
 */
export async function startCacheServer(directory) {
  const S3rver = createRequire(join(ROOT, 'package.json'))('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  const { address, port } = await server.run();
  if (address !== '127.0.0.1') throw new Error(`cache server bound to ${address}, not 127.0.0.1`);
  return { url: `http://127.0.0.1:${port}/${BUCKET}`, close: () => server.close() };
}

/** path -> sha256 (with the exec bit) or link target of every file under dir. */
export function treeDigest(dir) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const key = relative(dir, p);
      if (st.isSymbolicLink()) out[key] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) walk(p);
      else out[key] = `${st.mode & 0o111 ? 'x' : '-'} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** The first path whose digest differs between two trees, in words; undefined when they are equal. */
export function firstTreeDifference(a, b) {
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
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

/**
 * Clones HEAD under base at a path that differs per label in name and depth, with its own step cache
 * (empty unless sharedStepCache) and its own Nx cache, and runs the project's setup there.
 */
export function prepareClone(base, label, { sharedStepCache = false, say = () => {} } = {}) {
  const clone = join(base, label === 'a' ? 'ci-runner-1/wasi-pystack' : 'elsewhere/deeper/runner-2/checkout');
  mkdirSync(dirname(clone), { recursive: true });
  execFileSync('git', ['clone', '--quiet', ROOT, clone]);
  const env = {
    ...process.env,
    NX_TUI: 'false',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    // Nx 23 otherwise shares one local cache between all checkouts of a repository (~/.nx/<id>/).
    NX_CACHE_DIRECTORY: join(base, `nx-${label}`, 'cache'),
    NX_WORKSPACE_DATA_DIRECTORY: join(base, `nx-${label}`, 'workspace-data'),
  };
  delete env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
  if (sharedStepCache) delete env.WASI_PYSTACK_CACHE;
  else env.WASI_PYSTACK_CACHE = join(base, `steps-${label}`);
  say(`${label}: ${clone} (step cache ${env.WASI_PYSTACK_CACHE ?? 'shared default'})`);
  execFileSync('node', ['tools/setup.mjs'], { cwd: clone, env, stdio: 'inherit' });
  return { label, clone, env, dataDir: env.NX_WORKSPACE_DATA_DIRECTORY };
}

/**
 * Runs nx with args in a clone, against the remote cache when remoteUrl is given. Asynchronous on
 * purpose: the cache server lives in this process, and a synchronous child would stall it.
 */
export async function nxRun(c, args, { remoteUrl, say = () => {} } = {}) {
  const env = { ...c.env };
  if (remoteUrl) env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER = remoteUrl;
  // s3rver checks no tokens (and rejects `Authorization: Bearer`); a server that does gets
  // NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN from the CI secret store, never from the repository.
  delete env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN;
  const start = performance.now();
  const child = spawn(process.execPath, ['node_modules/nx/dist/bin/nx.js', ...args, '--outputStyle=static'], { cwd: c.clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise((res, rej) => { child.on('error', rej); child.on('close', res); });
  const seconds = Math.round((performance.now() - start) / 100) / 10;
  say(stdout.split('\n').filter((l) => /^> nx run|Nx read the output|Run duration|NX /.test(l.trim())).map((l) => `    ${l.trim()}`).join('\n'));
  if (code !== 0) throw new Error(`nx ${args.join(' ')} failed in ${c.clone}:\n${stdout.slice(-20000)}\n${stderr.slice(-5000)}`);
  return { seconds, records: taskRecords(c.dataDir) };
}
