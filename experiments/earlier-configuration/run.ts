// Experiment: rebuild with the earlier failing build's configuration as a whole, run `import pandas`,
// then change one factor at a time (docs/stack-root-cause.md). Nothing here is used by the product.
//   node -r @swc-node/register experiments/earlier-configuration/run.ts
// Needs the default outputs in dist/ (npx nx run pandas-wasi:bundle) and Debian's lld-22 (for its
// wasm-ld's --allow-multiple-definition, which wasm-ld 19 lacks). Builds an extra pandas
// (about 8 minutes; cached in the step cache under its own key) into dist/experiments/.
//
// The earlier configuration:
// - pandas compiled with -D__EMSCRIPTEN__=1 -DCYTHON_PEP489_MULTI_PHASE_INIT=0 -DNDEBUG;
// - NumPy's archives linked before pandas', with duplicate symbols allowed (pandas' vendored copies of
//   NumPy's datetime functions are then *not* renamed, and NumPy's win);
// - wasm-ld's default stack: 64 KiB, placed after the static data.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readLock, readManifest, resolveToolchain, runCommand, venvPython } from '@wasi-pystack/core';
import { finishModule, planLink } from '@wasi-pystack/linker';
import { buildPandasWasi, pandasRecipe } from '@wasi-pystack/pandas-wasi';
import { recipeOverlay } from '../recipe-overlay';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'dist', 'experiments', 'earlier-configuration');
const PYTHON = venvPython();
const PROBE = 'import pandas, numpy; df = pandas.DataFrame({"a": [1, 2, 3]}); print("ok", pandas.__version__, int(df.a.sum()))';
const EARLIER_COMPILE_ARGS = ['-D__EMSCRIPTEN__=1', '-DCYTHON_PEP489_MULTI_PHASE_INIT=0', '-DNDEBUG'];
// wasm-ld 19 (this toolchain's) has no --allow-multiple-definition and rejects the duplicates outright
// ("duplicate symbol: traced_malloc"); Debian's wasm-ld 22 has it (apt-get install lld-22).
const EXPERIMENT_LINKER = '/usr/lib/llvm-22/bin/wasm-ld';
const DUPLICATES_ALLOWED = [`-fuse-ld=${EXPERIMENT_LINKER}`, '-Wl,--allow-multiple-definition'];

interface Variant {
  name: string;
  pandas: 'earlier' | 'default';
  order: 'numpy-first' | 'pandas-first';
  stack: { size: number; first: boolean };
}

const EARLIER: Variant = { name: 'earlier configuration, as a whole', pandas: 'earlier', order: 'numpy-first', stack: { size: 64 * 1024, first: false } };
const VARIANTS: Variant[] = [
  EARLIER,
  { ...EARLIER, name: 'stack: 16 MiB, first (this toolchain)', stack: { size: 16 << 20, first: true } },
  { ...EARLIER, name: 'stack: 64 KiB, first', stack: { size: 64 * 1024, first: true } },
  { ...EARLIER, name: 'stack: 1 MiB, after the data', stack: { size: 1 << 20, first: false } },
  { ...EARLIER, name: "link order: pandas' duplicates first", order: 'pandas-first' },
  { ...EARLIER, name: 'pandas: this toolchain\'s build (multi-phase init, no duplicates)', pandas: 'default' },
];

function summarize(stdout: string, stderr: string, status: number | null): string {
  if (stdout.startsWith('ok')) return stdout.trim();
  const lines = stderr.split('\n').filter(Boolean);
  const fatal = lines.find((l) => l.startsWith('Fatal Python error') || l.includes('wasm trap') || /Error\b/.test(l));
  const frame = lines.find((l) => /^\s+\d+:\s+0x[0-9a-f]+ - /.test(l));
  return [fatal, frame?.trim(), `exit ${status}`].filter(Boolean).join(' / ').slice(0, 300);
}

async function linkVariant(v: Variant, earlierPandas: string, index: number): Promise<string> {
  const pandas = v.pandas === 'earlier' ? earlierPandas : join(ROOT, 'dist', 'pandas-wasi');
  const dirs = [join(ROOT, 'dist', 'python-wasi'), ...(v.order === 'numpy-first' ? [join(ROOT, 'dist', 'numpy-wasi'), pandas] : [pandas, join(ROOT, 'dist', 'numpy-wasi')])];
  const output = join(OUT, `variant-${index}.wasm`);
  const options = { workspaceRoot: ROOT, inputs: dirs, bundle: join(ROOT, 'dist', 'bundles', 'python-pandas'), kind: 'command' as const, output, strip: false, stack: v.stack };
  const toolchain = await resolveToolchain(readLock(ROOT));
  const plan = planLink(options, dirs.map((d) => readManifest(d)), toolchain);
  rmSync(plan.workDir, { recursive: true, force: true });
  mkdirSync(plan.workDir, { recursive: true });
  writeFileSync(join(plan.workDir, 'wasi_pystack_generated.c'), plan.glueSource);
  const logFile = join(plan.workDir, 'link.log');
  for (const cmd of plan.compile) await runCommand(cmd, { logFile });
  await runCommand({ ...plan.link, argv: [...plan.link.argv, ...DUPLICATES_ALLOWED] }, { logFile });
  writeFileSync(output, finishModule(readFileSync(plan.stackFile), 'command', plan.project));
  rmSync(plan.stackFile);
  return output;
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const earlierPandas = join(OUT, 'pandas-wasi');
  await buildPandasWasi({
    workspaceRoot: ROOT,
    pythonWasi: join(ROOT, 'dist', 'python-wasi'),
    numpyWasi: join(ROOT, 'dist', 'numpy-wasi'),
    outDir: earlierPandas,
    // The earlier build as a recipe overlay: its compile flags, and NumPy's symbols left duplicated.
    recipe: recipeOverlay(pandasRecipe().file, { compileArgs: EARLIER_COMPILE_ARGS, keepDuplicateSymbols: true }, OUT, '-earlier'),
  });
  console.log('| variant | pandas compile | link order (duplicates allowed) | stack | `import pandas` |');
  console.log('|---|---|---|---|---|');
  for (const [i, v] of VARIANTS.entries()) {
    const module = await linkVariant(v, earlierPandas, i);
    const r = spawnSync(PYTHON, [join(ROOT, 'tools', 'wasi-run.py'), module, '-c', PROBE], { encoding: 'utf8', timeout: 600_000 });
    const stack = `${v.stack.size >= 1 << 20 ? `${v.stack.size >> 20} MiB` : `${v.stack.size >> 10} KiB`}, ${v.stack.first ? 'first' : 'after the data'}`;
    const compile = v.pandas === 'earlier' ? EARLIER_COMPILE_ARGS.join(' ') : 'this toolchain';
    console.log(`| ${v.name} | ${compile} | ${v.order} | ${stack} | ${summarize(r.stdout, r.stderr, r.status).replace(/\|/g, '\\|')} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
