// Experiment (issue 9): pandas' C/Cython code at other optimization levels than meson's release -O3,
// linked into python-pandas.wasm with the default CPython and NumPy, to weigh size against speed.
//   node -r @swc-node/register experiments/optimization-levels/run.ts [-Os] [-O2] ...
// Needs the default outputs in dist/ (npx nx run pandas-wasi:bundle). Each level builds one extra
// pandas (about 8 minutes; cached in the step cache under its own key) into dist/experiments/.
// Then: node bench/speed.mjs --module dist/experiments/optimization-levels/python-pandas<level>.wasm
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { link } from '@wasi-pystack/linker';
import { buildPandasWasi } from '@wasi-pystack/pandas-wasi';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'dist', 'experiments', 'optimization-levels');

async function main() {
  const levels = process.argv.slice(2).length ? process.argv.slice(2) : ['-Os'];
  for (const level of levels) {
    const pandas = join(OUT, `pandas-wasi${level}`);
    // Appended after meson's -O3 in every compile of pandas: clang takes the last -O.
    await buildPandasWasi({ workspaceRoot: ROOT, pythonWasi: join(ROOT, 'dist', 'python-wasi'), numpyWasi: join(ROOT, 'dist', 'numpy-wasi'), outDir: pandas, experiment: { compileArgs: [level] } });
    const output = join(OUT, `python-pandas${level}.wasm`);
    await link({ workspaceRoot: ROOT, inputs: [join(ROOT, 'dist', 'python-wasi'), join(ROOT, 'dist', 'numpy-wasi'), pandas], bundle: join(ROOT, 'dist', 'bundles', 'python-pandas'), kind: 'command', output });
    console.log(`pandas ${level}: ${output} ${(statSync(output).size / 1e6).toFixed(1)} MB (default -O3: ${(statSync(join(ROOT, 'dist', 'modules', 'python-pandas.wasm')).size / 1e6).toFixed(1)} MB)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
