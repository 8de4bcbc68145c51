// Experiment (issue 9): python-pandas.wasm through binaryen's wasm-opt at several levels, to weigh size
// against speed. Links the default outputs in dist/ (npx nx run pandas-wasi:bundle first), once per
// level (wasm-opt results are cached by module content and flags), and prints code/data sizes.
//   node -r @swc-node/register experiments/wasm-opt-levels/run.ts [-O2] [-Os] [-Oz] [none]
// Then: node bench/speed.mjs --module dist/experiments/wasm-opt-levels/python-pandas<level>.wasm
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { link, wasmSections } from '@wasi-pystack/linker';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'dist', 'experiments', 'wasm-opt-levels');
const INPUTS = ['python-wasi', 'numpy-wasi', 'pandas-wasi'].map((d) => join(ROOT, 'dist', d));

const mb = (n: number) => (n / 1e6).toFixed(1);

async function main() {
  const levels = process.argv.slice(2).length ? process.argv.slice(2) : ['none', '-O2', '-Os', '-Oz'];
  console.log('| wasm-opt | module MB | code MB | data MB | xz -6 MB |\n|---|---:|---:|---:|---:|');
  for (const level of levels) {
    const output = join(OUT, `python-pandas${level === 'none' ? '-unoptimized' : level}.wasm`);
    await link({ workspaceRoot: ROOT, inputs: INPUTS, bundle: join(ROOT, 'dist', 'bundles', 'python-pandas'), kind: 'command', output, optimize: level === 'none' ? false : [level] });
    const sections = wasmSections(readFileSync(output));
    const size = (name: string) => sections.filter((s) => s.name === name).reduce((n, s) => n + s.end - s.start, 0);
    const xz = execFileSync('sh', ['-c', `xz -6 -c '${output}' | wc -c`], { encoding: 'utf8' }).trim();
    console.log(`| ${level} | ${mb(statSync(output).size)} | ${mb(size('code'))} | ${mb(size('data'))} | ${mb(Number(xz))} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
