// Experiment: the earlier failing build linked with wasm-ld's default 64 KiB stack placed *after* the
// static data (no --stack-first). This relinks python-pandas.wasm from the same objects with several
// stack layouts and runs `import pandas` in each under wasmtime, printing a Markdown table.
//   node -r @swc-node/register experiments/earlier-stack-configuration/run.ts
// Needs: npx nx run pandas-wasi:bundle (the outputs in dist/).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { venvPython } from '@wasi-pystack/core';
import { link } from '@wasi-pystack/linker';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'dist', 'experiments', 'stack');
const PYTHON = venvPython();
const SCRIPT = 'import pandas, numpy; df = pandas.DataFrame({"a": [1, 2, 3]}); print("ok", pandas.__version__, int(df.a.sum()))';

const LAYOUTS: { size: number; first: boolean }[] = [
  { size: 64 * 1024, first: false }, // the earlier build: wasm-ld's default
  { size: 64 * 1024, first: true },
  { size: 128 * 1024, first: true },
  { size: 256 * 1024, first: true },
  { size: 512 * 1024, first: true },
  { size: 1024 * 1024, first: true },
  { size: 1024 * 1024, first: false },
  { size: 16 * 1024 * 1024, first: true }, // this toolchain
];

function summarize(stdout: string, stderr: string): string {
  if (stdout.startsWith('ok')) return stdout.trim();
  const lines = stderr.split('\n').filter(Boolean);
  const fatal = lines.find((l) => l.startsWith('Fatal Python error') || l.includes('wasm trap') || l.includes('Error:'));
  const frame = lines.find((l) => /^\s+\d+:\s+0x[0-9a-f]+ - /.test(l));
  return [fatal, frame?.trim()].filter(Boolean).join(' / ').slice(0, 240) || lines.slice(-1)[0] || '(no output)';
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  console.log('| stack size | --stack-first | `import pandas` |');
  console.log('|---|---|---|');
  for (const stack of LAYOUTS) {
    const output = join(OUT, `pandas-stack-${stack.size}-${stack.first ? 'first' : 'after-data'}.wasm`);
    await link({
      workspaceRoot: ROOT,
      inputs: ['dist/python-wasi', 'dist/numpy-wasi', 'dist/pandas-wasi'].map((d) => join(ROOT, d)),
      bundle: join(ROOT, 'dist', 'bundles', 'python-pandas'),
      kind: 'command',
      output,
      strip: false,
      stack,
    });
    const r = spawnSync(PYTHON, [join(ROOT, 'tools', 'wasi-run.py'), output, '-c', SCRIPT], { encoding: 'utf8', timeout: 600_000 });
    console.log(`| ${stack.size / 1024} KiB | ${stack.first ? 'yes' : 'no'} | ${summarize(r.stdout, r.stderr).replace(/\|/g, '\\|')} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
