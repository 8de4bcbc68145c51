// binaryen's wasm-opt (npm `binaryen`, pinned in package.json) on the linked module, before any
// snapshot: measured in docs/speed-and-size.md (-O2 takes python-pandas.wasm's code from 28.4 to
// 23.1 MB). Cached in the step cache by the input's content, so a relink that produces the same bytes
// (builds are reproducible) costs nothing; the JavaScript build of wasm-opt takes minutes on a
// 40 MB module.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cachedStep, runCommand, WasiPystackError } from '@wasi-pystack/core';

/** The wasm features clang 19 emits for wasm32-wasip1 with -msimd128; wasm-opt keeps to them. */
export const WASM_FEATURES = ['sign-ext', 'mutable-globals', 'bulk-memory', 'reference-types', 'multivalue', 'nontrapping-float-to-int', 'simd'];

/** The optimization the linker runs by default (docs/speed-and-size.md). */
export const DEFAULT_WASM_OPT_FLAGS = ['-O2'];

export function wasmOptCommand(): { argv: string[]; version: string } {
  let pkg: string;
  try {
    pkg = require.resolve('binaryen/package.json');
  } catch {
    throw new WasiPystackError('wasm-opt is not installed (npm package binaryen)', 'install @wasi-pystack/linker with its dependencies (npm ci), or link with optimize: false');
  }
  const { version } = JSON.parse(readFileSync(pkg, 'utf8'));
  return { argv: [process.execPath, join(dirname(pkg), 'bin', 'wasm-opt')], version };
}

/** Optimizes input into output with wasm-opt; the result is cached by input content, version and flags. */
export async function optimizeModule(input: string, output: string, flags: string[] = DEFAULT_WASM_OPT_FLAGS): Promise<void> {
  const { argv, version } = wasmOptCommand();
  const content = createHash('sha256').update(readFileSync(input)).digest('hex');
  const step = await cachedStep({ step: 'wasm-opt', key: { module: content, binaryen: version, flags, features: WASM_FEATURES } }, async (out, _work, logFile) => {
    await runCommand({ argv: [...argv, input, ...flags, ...WASM_FEATURES.map((f) => `--enable-${f}`), '-o', join(out, 'module.wasm')], cwd: out }, { logFile });
  });
  copyFileSync(join(step.outDir, 'module.wasm'), output);
}
