// Loads every installed @wasi-pystack package with require() and checks that what its executors.json
// names exists, and that the assets the code reads at run time shipped. Prints one JSON line.
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const names = ['core', 'python-wasi', 'numpy-wasi', 'pandas-wasi', 'cython-patcher', 'stub-bundler', 'linker', 'nx-plugin', 'host'];
// Packages that are data (a step file, its recipe and patches): no code to load, a step to read.
const dataPackages = ['numexpr-wasi', 'bottleneck-wasi'];
const report = {};
for (const name of dataPackages) {
  const step = require('@wasi-pystack/core').packagedStep(`@wasi-pystack/${name}`);
  report[name] = { step: step.step, exports: 0, missing: [] };
}
for (const name of names) {
  const id = `@wasi-pystack/${name}`;
  const api = require(id);
  const dir = dirname(require.resolve(`${id}/package.json`));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const missing = [];
  if (pkg.executors) {
    for (const [exec, e] of Object.entries(JSON.parse(readFileSync(join(dir, pkg.executors), 'utf8')).executors)) {
      for (const file of [`${e.implementation}.js`, e.schema]) if (!existsSync(join(dir, file))) missing.push(`${exec}: ${file}`);
      const impl = require(join(dir, e.implementation));
      if (typeof impl.default !== 'function') missing.push(`${exec}: no default export`);
    }
  }
  report[name] = { exports: Object.keys(api).length, missing };
}
const assets = [
  [require('@wasi-pystack/linker').C_DIR, 'runtime.c'],
  [require('@wasi-pystack/stub-bundler').PYTHON_DIR, 'bundle_importer.py'],
  [require('@wasi-pystack/stub-bundler').PYTHON_DIR, 'make_bundle.py'],
  [dirname(require('@wasi-pystack/python-wasi').STEP_FILE), 'patches/function-casts.allow'],
  [dirname(require('@wasi-pystack/numpy-wasi').STEP_FILE), 'patches/function-casts.allow'],
  [require('@wasi-pystack/core').BUNDLED_LOCK, ''],
  [require('@wasi-pystack/core').SETUPTOOLS_HELPERS_DIR, 'cross_compiler.py'],
  [require('@wasi-pystack/core').SETUPTOOLS_HELPERS_DIR, 'pep517_wheel.py'],
  [dirname(require.resolve('@wasi-pystack/numexpr-wasi/wasi-step.json')), 'patches/0001-one-thread-on-wasi.patch'],
  [require.resolve('@wasi-pystack/numexpr-wasi/wasi-step.json'), ''],
  [require.resolve('@wasi-pystack/bottleneck-wasi/wasi-step.json'), ''],
  [require('@wasi-pystack/host').WORKER_FILE, ''],
  [require('@wasi-pystack/host').WASMTIME_HOST, ''],
];
report.missingAssets = assets.map(([d, f]) => join(d, f)).filter((p) => !existsSync(p));
// Every configuration's recipe of every packaged step reads, with its patches and libraries.
const core = require('@wasi-pystack/core');
for (const pkg of ['python-wasi', 'numpy-wasi', 'pandas-wasi', ...dataPackages]) {
  const step = core.readStepFile(require.resolve(`@wasi-pystack/${pkg}/wasi-step.json`));
  for (const configuration of Object.keys(step.configurations)) {
    try {
      const { recipe } = core.stepRecipe(step, configuration);
      // Every file a recipe names ships (stepRecipe refuses a named allow list or libraries file that is not there).
      for (const file of [...recipe.patchFiles, recipe.librariesFile, recipe.castAllowListFile].filter(Boolean)) if (!existsSync(file)) report.missingAssets.push(file);
    } catch (e) {
      report.missingAssets.push(`${pkg} (${configuration}): ${e.message.split('\n').join(' ')}`);
    }
  }
}
report.lockFrom = require('@wasi-pystack/core').readLock(process.cwd()).path;
console.log(JSON.stringify(report));
