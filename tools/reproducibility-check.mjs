#!/usr/bin/env node
// Builds twice from clean clones at different paths, each with its own empty step cache, and compares
// the modules byte for byte. On a difference it names the first differing wasm section (and, for the
// step outputs, the first differing file).
//   node tools/reproducibility-check.mjs [TARGET...] [--remote] [--keep]
//   default targets: python-wasi:build numpy-wasi:build pandas-wasi:build
//   --remote: clone A also uploads to a loopback remote Nx cache, and clone B must first get every
//   task from it, byte-identical (the checks of tools/remote-cache-check.mjs), before it builds cold.
// Takes two cold builds (about 20-25 minutes each on 2 cores for all three). Prints the comparisons
// and one JSON summary line (times in seconds); exits 1 when anything differs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STEP_NAMES, distLayout, stepOutputDir } from '@wasi-pystack/core';
import { wasmSections } from '@wasi-pystack/linker';
import { checkRemoteHits } from './remote-cache-check.mjs';
import { firstTreeDifference, nxRun, prepareClone, startCacheServer, treeDigest } from './two-clones.mjs';

const say = (m) => m && process.stderr.write(`[repro] ${m}\n`);

/** The first difference between two wasm files, in words; undefined when they are identical. */
export function firstWasmDifference(a, b) {
  if (a.equals(b)) return undefined;
  const sa = wasmSections(a);
  const sb = wasmSections(b);
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i], y = sb[i];
    if (!x || !y || x.name !== y.name) return `section ${i}: ${x?.name ?? '(none)'} against ${y?.name ?? '(none)'}`;
    const ca = a.subarray(x.start, x.end), cb = b.subarray(y.start, y.end);
    if (!ca.equals(cb)) {
      let at = 0;
      while (at < Math.min(ca.length, cb.length) && ca[at] === cb[at]) at++;
      let bytes = 0;
      for (let j = 0; j < Math.min(ca.length, cb.length); j++) if (ca[j] !== cb[j]) bytes++;
      return `the ${x.name} section differs (sizes ${ca.length} and ${cb.length}; first at byte ${at} of the section; ${bytes} bytes differ)`;
    }
  }
  return 'the files differ outside their sections';
}

/** The first file that differs between two output folders (or exists in one only). */
function firstFileDifference(a, b) {
  const diff = firstTreeDifference(treeDigest(a), treeDigest(b));
  return diff?.split(':')[0];
}

const STEP_OUTPUTS = STEP_NAMES.map((step) => stepOutputDir(step));
const MODULES = distLayout().modules;

/** Each module and step output of clone a against clone b; prints one line each, returns the differing ones. */
function compareClones(a, b) {
  const differing = [];
  const da = join(a.clone, MODULES);
  for (const f of existsSync(da) ? readdirSync(da).filter((n) => n.endsWith('.wasm')).sort() : []) {
    const diff = firstWasmDifference(readFileSync(join(da, f)), readFileSync(join(b.clone, MODULES, f)));
    console.log(`${diff ? 'DIFFERS  ' : 'identical'} ${MODULES}/${f}${diff ? `: ${diff}` : ''}`);
    if (diff) differing.push(`${MODULES}/${f}`);
  }
  for (const dir of STEP_OUTPUTS.filter((d) => existsSync(join(a.clone, d)))) {
    const diff = firstFileDifference(join(a.clone, dir), join(b.clone, dir));
    console.log(`${diff ? 'DIFFERS  ' : 'identical'} ${dir}${diff ? `: first at ${diff}` : ''}`);
    if (diff) differing.push(dir);
  }
  return differing;
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (n) => { const i = args.indexOf(n); return i >= 0 && args.splice(i, 1).length > 0; };
  const keep = flag('--keep');
  const remote = flag('--remote');
  const targets = args.length ? args : ['python-wasi:build', 'numpy-wasi:build', 'pandas-wasi:build'];
  const nxArgs = ['run-many', '-t', 'build', '-p', ...new Set(targets.map((t) => t.split(':')[0]))];
  const base = mkdtempSync(join(tmpdir(), 'repro-'));
  const a = prepareClone(base, 'a', { say });
  const b = prepareClone(base, 'b', { say });
  const server = remote ? await startCacheServer(join(base, 's3rver')) : undefined;
  const summary = { targets, seconds: {}, failures: [] };
  try {
    say(`a: cold build of ${targets.join(' ')}${server ? `, uploading to the remote cache ${server.url}` : ''}`);
    const cold = await nxRun(a, nxArgs, { remoteUrl: server?.url, say });
    summary.seconds.coldA = cold.seconds;
    if (server) {
      say('b: the same targets from the remote cache, then from its own Nx cache');
      const hits = await checkRemoteHits({ a, b, cold, url: server.url, nxArgs });
      Object.assign(summary.seconds, hits.seconds);
      summary.failures.push(...hits.failures);
      // B builds for itself below: no outputs or Nx cache entries from A.
      rmSync(join(b.clone, 'dist'), { recursive: true, force: true });
      rmSync(b.env.NX_CACHE_DIRECTORY, { recursive: true, force: true });
    }
    say('b: cold build with its own empty step cache, no remote');
    summary.seconds.coldB = (await nxRun(b, [...nxArgs, '--skip-nx-cache'], { say })).seconds;
    summary.failures.push(...compareClones(a, b).map((d) => `${d} differs between the two clean builds`));
  } finally {
    await server?.close();
    if (!keep) rmSync(base, { recursive: true, force: true });
    else say(`kept ${base}`);
  }
  console.log(JSON.stringify(summary));
  process.exitCode = summary.failures.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main().catch((e) => { console.error(e); process.exitCode = 1; });
