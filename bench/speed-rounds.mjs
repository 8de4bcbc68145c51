// Compares modules the way docs/speed-and-size.md does: rounds of bench/speed.mjs, interleaved
// (A, B, A, B, ...), each wasm kernel against native side by side in its run; prints the median
// wasm ms and wasm/native ratio of every kernel per module, and the group totals.
//   node bench/speed-rounds.mjs --module A.wasm --module B.wasm [--rounds 3] [--groups pandas,linalg] [--json FILE]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modulePath } from '@wasi-pystack/core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const all = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const opt = (name, fallback) => all(name).pop() ?? fallback;

const modules = all('--module').map((m) => resolve(m));
if (!modules.length) modules.push(modulePath('python-pandas', 'default', ROOT));
const rounds = Number(opt('--rounds', '3'));
const groups = opt('--groups', 'pandas,elementwise,reductions,matmul,linalg');
const work = mkdtempSync(join(tmpdir(), 'speed-rounds-'));

const runs = modules.map(() => []);
for (let round = 0; round < rounds; round++) {
  modules.forEach((module, m) => {
    const json = join(work, `${m}-${round}.json`);
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/speed.mjs'), '--module', module, '--groups', groups, '--json', json], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`bench/speed.mjs on ${module} failed`);
    runs[m].push(JSON.parse(readFileSync(json, 'utf8')).rows);
    console.error(`round ${round + 1}/${rounds}: ${basename(module)} done`);
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const kernels = runs[0][0].map((r) => r.kernel);
const stats = modules.map((_, m) => Object.fromEntries(kernels.map((k) => {
  const rows = runs[m].map((rs) => rs.find((r) => r.kernel === k));
  return [k, { wasm: median(rows.map((r) => r.wasm)), ratio: median(rows.map((r) => r.wasm / r.native)), native: median(rows.map((r) => r.native)) }];
})));

const name = (m) => relative(ROOT, modules[m]);
const ms = (s) => (s * 1000).toFixed(s < 0.001 ? 3 : 2);
console.log(`Medians of ${rounds} interleaved rounds (wasm ms, wasm/native):\n`);
modules.forEach((m, i) => console.log(`- ${String.fromCharCode(65 + i)}: ${name(i)} (${(statSync(m).size / 1e6).toFixed(1)} MB)`));
console.log(`\n| kernel | ${modules.map((_, i) => `${String.fromCharCode(65 + i)} ms | ${String.fromCharCode(65 + i)}`).join(' | ')} |`);
console.log(`|---|${modules.map(() => '---:|---:').join('|')}|`);
for (const k of kernels) console.log(`| ${k} | ${stats.map((s) => `${ms(s[k].wasm)} | ${s[k].ratio.toFixed(2)}x`).join(' | ')} |`);
for (const group of groups.split(',')) {
  const ks = kernels.filter((k) => k.startsWith(`${group}:`));
  // A group's total: the sum of its median wasm times over the sum of its median native times.
  const totals = stats.map((s) => ks.reduce((t, k) => t + s[k].wasm, 0) / ks.reduce((t, k) => t + s[k].native, 0));
  console.log(`| **${group} total** | ${totals.map((t) => ` | ${t.toFixed(2)}x`).join(' | ')} |`);
}
const json = opt('--json');
if (json) writeFileSync(json, JSON.stringify({ modules: modules.map((_, i) => name(i)), rounds, stats }, null, 2));
