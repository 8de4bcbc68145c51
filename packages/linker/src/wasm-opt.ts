// binaryen's wasm-opt on the linked stack module, before any snapshot: measured in
// docs/speed-and-size.md (-O2 takes python-pandas.wasm's code from 28.4 to 23.1 MB). Cached in the
// step cache by the input's content and the optimizer, so every project on one stack shares one pass.
//
// Two builds of the same optimizer: the native library (libbinaryen from a pinned PyPI wheel, called
// through python/binaryen_optimize.py) runs its passes on every core; the JavaScript build (npm
// binaryen) runs them on one and serves where the native one cannot (docs/build-time.md).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cachedStep, fetchSource, log, queryCommand, runCommand, WasiPystackError, type SourceEntry, type SourceLock } from '@wasi-pystack/core';

/** The wasm features clang 19 emits for wasm32-wasip1 with -msimd128 and -fwasm-exceptions; wasm-opt keeps to them. */
export const WASM_FEATURES = ['sign-ext', 'mutable-globals', 'bulk-memory', 'reference-types', 'multivalue', 'nontrapping-float-to-int', 'simd', 'exception-handling'];
/** The same features by their names in binaryen's C API (BinaryenFeature<name>). */
const NATIVE_FEATURES: Record<string, string> = {
  'sign-ext': 'SignExt', 'mutable-globals': 'MutableGlobals', 'bulk-memory': 'BulkMemory', 'reference-types': 'ReferenceTypes',
  multivalue: 'Multivalue', 'nontrapping-float-to-int': 'NontrappingFPToInt', simd: 'SIMD128', 'exception-handling': 'ExceptionHandling',
};

/** The optimization the linker runs by default (docs/speed-and-size.md). */
export const DEFAULT_WASM_OPT_FLAGS = ['-O2'];

/** The lock entry of the wheel that holds the native library. */
export const NATIVE_BINARYEN_SOURCE = 'binaryen-native';
/** The oldest glibc the wheel's library runs on (its manylinux tag). */
const NATIVE_MIN_GLIBC = [2, 35];
const HELPER = join(__dirname, 'python', 'binaryen_optimize.py');

/** wasm-opt's -O flags as binaryen's optimize and shrink levels; other flags need the CLI. */
const LEVELS: Record<string, [number, number]> = { '-O0': [0, 0], '-O1': [1, 0], '-O2': [2, 0], '-O3': [3, 0], '-O4': [4, 0], '-Os': [2, 1], '-Oz': [2, 2] };

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

/** Why the native optimizer cannot run here, or undefined when it can. */
export function nativeOptimizerUnavailable(lock: SourceLock | undefined, flags: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.WASI_PYSTACK_WASM_OPT === 'js') return 'WASI_PYSTACK_WASM_OPT=js';
  if (flags.length !== 1 || !LEVELS[flags[0]]) return `the flags ${flags.join(' ')} need wasm-opt's command line`;
  if (!nativeEntry(lock)) return `the lock pins no ${NATIVE_BINARYEN_SOURCE}`;
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the native library is built for linux x86_64, not ${process.platform} ${process.arch}`;
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
  const [major, minor] = (glibc ?? '0.0').split('.').map(Number);
  if (major < NATIVE_MIN_GLIBC[0] || (major === NATIVE_MIN_GLIBC[0] && minor < NATIVE_MIN_GLIBC[1])) return `it needs glibc ${NATIVE_MIN_GLIBC.join('.')}, and this system has ${glibc ?? 'none'}`;
  try {
    queryCommand({ argv: [pythonForHelper(env), '-c', 'import ctypes, zipfile'], cwd: __dirname });
  } catch {
    return `${pythonForHelper(env)} with ctypes is not available`;
  }
  return undefined;
}

const pythonForHelper = (env: NodeJS.ProcessEnv) => env.PYTHON || 'python3';
const nativeEntry = (lock: SourceLock | undefined): SourceEntry | undefined => lock?.sources[NATIVE_BINARYEN_SOURCE];

/** The native library, unpacked once from its verified wheel into the step cache. */
async function nativeLibrary(lock: SourceLock): Promise<{ library: string; identity: string }> {
  const entry = nativeEntry(lock)!;
  const step = await cachedStep({ step: 'binaryen-native', key: { wheel: entry.sha256, helper: readFileSync(HELPER, 'utf8') } }, async (out, _work, logFile) => {
    await runCommand({ argv: [pythonForHelper(process.env), HELPER, 'extract', await fetchSource(entry), out], cwd: out }, { logFile });
  });
  return { library: join(step.outDir, 'libbinaryen.so'), identity: `libbinaryen ${entry.version} (${entry.file} ${entry.sha256.slice(0, 16)})` };
}

let reportedFallback = false;

/**
 * Optimizes input into output; the result is cached by input content, optimizer and flags. With a
 * lock that pins the native library (and a system it runs on), its optimizer runs; otherwise
 * binaryen.js.
 */
export async function optimizeModule(input: string, output: string, flags: string[] = DEFAULT_WASM_OPT_FLAGS, options: { lock?: SourceLock } = {}): Promise<void> {
  const content = createHash('sha256').update(readFileSync(input)).digest('hex');
  const unavailable = nativeOptimizerUnavailable(options.lock, flags);
  if (unavailable && nativeEntry(options.lock) && !reportedFallback) {
    reportedFallback = true;
    log(`wasm-opt: the native optimizer cannot run (${unavailable}); binaryen.js runs on one core`);
  }
  if (!unavailable) {
    const { library, identity } = await nativeLibrary(options.lock!);
    const [optimizeLevel, shrinkLevel] = LEVELS[flags[0]];
    const step = await cachedStep({ step: 'wasm-opt', key: { module: content, optimizer: identity, flags, features: WASM_FEATURES } }, async (out, _work, logFile) => {
      const argv = [pythonForHelper(process.env), HELPER, 'optimize', library, input, join(out, 'module.wasm'), String(optimizeLevel), String(shrinkLevel), ...WASM_FEATURES.map((f) => NATIVE_FEATURES[f])];
      await runCommand({ argv, cwd: out }, { logFile });
      if (!existsSync(join(out, 'module.wasm'))) throw new WasiPystackError(`the native optimizer wrote no module for ${input}`, `see ${logFile}; WASI_PYSTACK_WASM_OPT=js uses binaryen.js instead`);
    });
    copyFileSync(join(step.outDir, 'module.wasm'), output);
    return;
  }
  const { argv, version } = wasmOptCommand();
  const step = await cachedStep({ step: 'wasm-opt', key: { module: content, binaryen: version, flags, features: WASM_FEATURES } }, async (out, _work, logFile) => {
    await runCommand({ argv: [...argv, input, ...flags, ...WASM_FEATURES.map((f) => `--enable-${f}`), '-o', join(out, 'module.wasm')], cwd: out }, { logFile });
  });
  copyFileSync(join(step.outDir, 'module.wasm'), output);
}

/**
 * Runs binaryen passes that only wasm-opt's command line names (binaryen.js: --strip-eh,
 * --translate-to-exnref) on input into output; cached by the input's content and the passes.
 */
export async function runBinaryenPasses(input: string, output: string, passes: string[]): Promise<void> {
  const content = createHash('sha256').update(readFileSync(input)).digest('hex');
  const { argv, version } = wasmOptCommand();
  const step = await cachedStep({ step: 'wasm-opt', key: { module: content, binaryen: version, passes, features: WASM_FEATURES } }, async (out, _work, logFile) => {
    await runCommand({ argv: [...argv, input, ...WASM_FEATURES.map((f) => `--enable-${f}`), ...passes, '-o', join(out, 'module.wasm')], cwd: out }, { logFile });
  });
  copyFileSync(join(step.outDir, 'module.wasm'), output);
}
