// Experiment (issue 9): pandas' or NumPy's C/Cython code at other optimization levels than meson's
// release -O3 (or with other flags, e.g. -flto=thin), linked into python-pandas.wasm with the default
// other parts, to weigh size against speed.
//   node -r @swc-node/register experiments/optimization-levels/run.ts [pandas:]-Os [numpy:-Os] [-O2] ...
// Needs the default outputs in dist/ (npx nx run pandas-wasi:bundle). Each variant builds one extra
// package (pandas about 7 minutes, NumPy about 5; cached in the step cache under its own key) into
// dist/experiments/optimization-levels/.
// Then: node bench/speed-rounds.mjs --module dist/modules/python-pandas.wasm --module <variant>.wasm
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { link } from '@wasi-pystack/linker';
import { buildNumpyWasi, numpyRecipe } from '@wasi-pystack/numpy-wasi';
import { buildPandasWasi, pandasRecipe } from '@wasi-pystack/pandas-wasi';
import { recipeOverlay } from '../recipe-overlay';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'dist', 'experiments', 'optimization-levels');
const dist = (name: string) => join(ROOT, 'dist', name);

async function main() {
  const variants = process.argv.slice(2).length ? process.argv.slice(2) : ['-Os'];
  for (const variant of variants) {
    const [pkg, flag] = variant.includes(':') ? variant.split(':', 2) : ['pandas', variant];
    // Appended after meson's -O3 in every compile of the package: clang takes the last -O.
    const overlay = { compileArgs: [flag] };
    let numpy = dist('numpy-wasi');
    let pandas = dist('pandas-wasi');
    if (pkg === 'numpy') {
      numpy = join(OUT, `numpy-wasi${flag}`);
      await buildNumpyWasi({ workspaceRoot: ROOT, pythonWasi: dist('python-wasi'), outDir: numpy, recipe: recipeOverlay(numpyRecipe().file, overlay, OUT, flag) });
    } else if (pkg === 'pandas') {
      pandas = join(OUT, `pandas-wasi${flag}`);
      await buildPandasWasi({ workspaceRoot: ROOT, pythonWasi: dist('python-wasi'), numpyWasi: numpy, outDir: pandas, recipe: recipeOverlay(pandasRecipe().file, overlay, OUT, flag) });
    } else {
      throw new Error(`unknown package '${pkg}' in '${variant}': use pandas:<flag> or numpy:<flag>`);
    }
    const output = join(OUT, `python-pandas${pkg === 'pandas' ? '' : `-${pkg}`}${flag}.wasm`);
    await link({ workspaceRoot: ROOT, inputs: [dist('python-wasi'), numpy, pandas], bundle: join(dist('bundles'), 'python-pandas'), kind: 'command', output });
    console.log(`${pkg} ${flag}: ${output} ${(statSync(output).size / 1e6).toFixed(1)} MB (default -O3: ${(statSync(join(dist('modules'), 'python-pandas.wasm')).size / 1e6).toFixed(1)} MB)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
