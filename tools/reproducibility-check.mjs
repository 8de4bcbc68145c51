#!/usr/bin/env node
// Builds twice from clean clones at different paths, each with its own empty step cache, and compares
// the modules byte for byte. On a difference it names the first differing wasm section (and, for the
// step outputs, the first differing file).
//   node tools/reproducibility-check.mjs [TARGET...] [--keep]
//   default targets: python-wasi:build numpy-wasi:build pandas-wasi:build
// Takes two cold builds (about 25 minutes each on 2 cores for all three).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmSections } from '@wasi-pystack/linker';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => process.stderr.write(`[repro] ${m}\n`);

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

function* files(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

function firstFileDifference(a, b) {
  const la = [...files(a)].map((p) => relative(a, p));
  const lb = [...files(b)].map((p) => relative(b, p));
  const onlyOne = la.filter((p) => !lb.includes(p)).concat(lb.filter((p) => !la.includes(p)));
  if (onlyOne.length) return `${onlyOne[0]} exists in one build only`;
  return la.find((p) => !readFileSync(join(a, p)).equals(readFileSync(join(b, p))));
}

function build(label, targets) {
  const base = mkdtempSync(join(tmpdir(), `repro-${label}-`));
  const clone = join(base, label === 'a' ? 'wasi-pystack' : 'elsewhere', 'checkout');
  const cache = join(base, 'cache');
  execFileSync('git', ['clone', '--quiet', ROOT, clone]);
  const env = { ...process.env, WASI_PYSTACK_CACHE: cache, NX_TUI: 'false', NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  say(`${label}: building ${targets.join(' ')} in ${clone} with an empty cache ${cache}`);
  execFileSync('node', ['tools/setup.mjs'], { cwd: clone, env, stdio: 'inherit' });
  execFileSync(process.execPath, ['node_modules/nx/dist/bin/nx.js', 'run-many', '--skip-nx-cache', '-t', 'build', '-p', ...new Set(targets.map((t) => t.split(':')[0])), '--outputStyle=static'], { cwd: clone, env, stdio: 'inherit' });
  return { base, clone };
}

function main() {
  const args = process.argv.slice(2);
  const keep = args.includes('--keep');
  const targets = args.filter((a) => !a.startsWith('--'));
  if (!targets.length) targets.push('python-wasi:build', 'numpy-wasi:build', 'pandas-wasi:build');
  const a = build('a', targets);
  const b = build('b', targets);
  let failed = false;
  for (const dir of ['dist/modules', 'dist/python-wasi', 'dist/numpy-wasi', 'dist/pandas-wasi']) {
    const [da, db] = [join(a.clone, dir), join(b.clone, dir)];
    if (!existsSync(da)) continue;
    if (dir === 'dist/modules') {
      for (const f of readdirSync(da).filter((n) => n.endsWith('.wasm'))) {
        const diff = firstWasmDifference(readFileSync(join(da, f)), readFileSync(join(db, f)));
        console.log(`${diff ? 'DIFFERS  ' : 'identical'} ${dir}/${f}${diff ? `: ${diff}` : ''}`);
        failed ||= !!diff;
      }
    } else {
      const diff = firstFileDifference(da, db);
      console.log(`${diff ? 'DIFFERS  ' : 'identical'} ${dir}${diff ? `: first at ${diff}` : ''}`);
      failed ||= !!diff;
    }
  }
  if (!keep) for (const x of [a, b]) rmSync(x.base, { recursive: true, force: true });
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
