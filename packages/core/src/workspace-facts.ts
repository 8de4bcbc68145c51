/**
 * The one owner of the workspace's facts: where the cache is and what lives in it (sources, steps,
 * toolchains, the runners' Python, the native venvs, wasmtime's compiled modules and their bound),
 * the pinned tool versions, the Debian packages the toolchain needs, and where each configuration's
 * step outputs, bundles and modules go. The static facts are data in workspace-facts.data.json (beside
 * this file, and in dist/; tools/setup.mjs reads it before anything is compiled); what depends on the
 * environment is computed here. `writeWorkspaceFacts` writes both, resolved, to
 * dist/workspace-facts.json for what is not JavaScript (tools/wasi-run.py).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { WasiPystackError } from './errors';

export type ConfigurationName = 'default' | 'pandas3';

export interface AptPackage {
  package: string;
  /** A file the package installs: present means installed. */
  provides: string;
  for: string;
  /** Needed only by the embedded toolchain (not with WASI_SDK_PATH). */
  embeddedToolchain?: boolean;
}

interface ConfigurationDirs {
  stepOutputs: string;
  bundles: string;
  modules: string;
  /** Steps this configuration takes from the default configuration's outputs. */
  sharedSteps: string[];
}

/** The shape of workspace-facts.data.json. */
export interface StaticWorkspaceFacts {
  projectName: string;
  cache: { sources: string; steps: string; toolchains: string; venv: string; nativeVenv: Record<ConfigurationName, string>; wasmtime: string };
  wasmtimeCache: { defaultMaxMb: number };
  tools: { wasmtimePython: string; llvm: string; llvmBin: string };
  apt: AptPackage[];
  dist: { facts: string; steps: string[]; configurations: Record<ConfigurationName, ConfigurationDirs> };
}

/**
 * The static facts, as data (next to this file in src/ and in dist/). Not named workspace-facts.json:
 * under a .ts require hook (swc-node), require('./workspace-facts') would load that before this file.
 */
export const STATIC_WORKSPACE_FACTS: StaticWorkspaceFacts = JSON.parse(readFileSync(join(__dirname, 'workspace-facts.data.json'), 'utf8'));
const S = STATIC_WORKSPACE_FACTS;

export const PROJECT_NAME = S.projectName;
export const CONFIGURATION_NAMES = Object.keys(S.dist.configurations) as ConfigurationName[];
export const STEP_NAMES = S.dist.steps;

// ---- tool versions and Debian packages ----

/** The PyPI requirement of the runners' Python (tools/wasi-run.py): `wasmtime==<version>`. */
export const WASMTIME_PYTHON_PIN = S.tools.wasmtimePython;
/** Major version of Debian's LLVM that the embedded toolchain uses. */
export const LLVM_VERSION = S.tools.llvm;
export const LLVM_BIN = S.tools.llvmBin;
/** Every Debian package `npm run setup` installs, with a file that shows it is there. */
export const APT_PACKAGES: AptPackage[] = S.apt;

// ---- the cache ----

/**
 * Root of everything expensive: downloaded sources, the embedded toolchain, finished build steps.
 * It lives outside the clone so a fresh clone on the same machine reuses it.
 * WASI_PYSTACK_CACHE, else $XDG_CACHE_HOME/wasi-pystack, else ~/.cache/wasi-pystack.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WASI_PYSTACK_CACHE) return env.WASI_PYSTACK_CACHE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, PROJECT_NAME);
}

export const sourcesDir = (root = cacheRoot()) => join(root, S.cache.sources);
export const stepsDir = (root = cacheRoot()) => join(root, S.cache.steps);
export const toolchainsDir = (root = cacheRoot()) => join(root, S.cache.toolchains);
/** The runners' venv (wasmtime from PyPI), made by tools/setup.mjs. */
export const venvDir = (root = cacheRoot()) => join(root, S.cache.venv);
/** The runners' Python: runs tools/wasi-run.py. */
export const venvPython = (root = cacheRoot()) => join(venvDir(root), 'bin', 'python');
/** A native CPython with the NumPy and pandas of a configuration (fixtures, benchmarks), made by hand. */
export const nativeVenvDir = (configuration: ConfigurationName = 'default', root = cacheRoot()) => join(root, S.cache.nativeVenv[configuration]);
export const nativeVenvPython = (configuration: ConfigurationName = 'default', root = cacheRoot()) => join(nativeVenvDir(configuration, root), 'bin', 'python');
/** tools/wasi-run.py's compiled modules (one subfolder per wasmtime version). */
export const wasmtimeCacheDir = (root = cacheRoot()) => join(root, S.cache.wasmtime);

/** The bound of wasmtimeCacheDir in MiB: WASI_PYSTACK_WASMTIME_CACHE_MB, else 2048. */
export function wasmtimeCacheMaxMb(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.WASI_PYSTACK_WASMTIME_CACHE_MB;
  if (value === undefined || value === '') return S.wasmtimeCache.defaultMaxMb;
  const mb = Number(value);
  if (!Number.isInteger(mb) || mb < 0) throw new WasiPystackError(`WASI_PYSTACK_WASMTIME_CACHE_MB=${value} is not a number of MiB`, 'set it to a whole number, or unset it for 2048');
  return mb;
}

// ---- the dist layout ----

export interface DistLayout {
  configuration: ConfigurationName;
  /** Each step's output folder. */
  steps: Record<string, string>;
  /** Folder of the bundles (`<bundles>/<name>/bundle.bin`). */
  bundles: string;
  /** Folder of the modules (`<modules>/<name>.wasm`). */
  modules: string;
}

/** A configuration's folders: as the data says, or for a configuration only a workspace's own steps know, dist/<name>. */
function configurationDirs(configuration: string): ConfigurationDirs {
  const dirs = S.dist.configurations[configuration as ConfigurationName];
  if (dirs) return dirs;
  if (!/^[a-z][a-z0-9-]*$/.test(configuration)) throw new WasiPystackError(`unknown configuration ${JSON.stringify(configuration)}`, `use one of ${CONFIGURATION_NAMES.join(', ')}, or a lowercase name`);
  return { stepOutputs: `dist/${configuration}`, bundles: `dist/${configuration}/bundles`, modules: `dist/modules/${configuration}`, sharedSteps: [] };
}

const under = (workspaceRoot: string | undefined, path: string) => (workspaceRoot ? join(workspaceRoot, path) : path);

/**
 * A step's output folder in a configuration: `dist/<step>` (default), `dist/pandas3/<step>` (pandas3,
 * except the steps it shares with the default configuration). Relative to the workspace root unless
 * one is given.
 */
export function stepOutputDir(step: string, configuration: ConfigurationName | string = 'default', workspaceRoot?: string): string {
  const dirs = configurationDirs(configuration);
  const owner = dirs.sharedSteps.includes(step) ? configurationDirs('default') : dirs;
  return under(workspaceRoot, `${owner.stepOutputs}/${step}`);
}

/** A bundle's folder: `dist/bundles/<name>`, `dist/pandas3/bundles/<name>`. */
export function bundleDir(name: string, configuration: ConfigurationName | string = 'default', workspaceRoot?: string): string {
  return under(workspaceRoot, `${configurationDirs(configuration).bundles}/${name}`);
}

/** A module: `dist/modules/<name>.wasm`, `dist/modules/pandas3/<name>.wasm`. */
export function modulePath(name: string, configuration: ConfigurationName | string = 'default', workspaceRoot?: string): string {
  return under(workspaceRoot, `${configurationDirs(configuration).modules}/${name}.wasm`);
}

/** The whole layout of a configuration (relative to the workspace root unless one is given). */
export function distLayout(configuration: ConfigurationName = 'default', workspaceRoot?: string): DistLayout {
  const steps = Object.fromEntries(STEP_NAMES.map((s) => [s, stepOutputDir(s, configuration, workspaceRoot)]));
  const dirs = configurationDirs(configuration);
  return { configuration, steps, bundles: under(workspaceRoot, dirs.bundles), modules: under(workspaceRoot, dirs.modules) };
}

// ---- all of it, as a file ----

/** What dist/workspace-facts.json holds: every fact resolved for this environment. */
export interface WorkspaceFacts {
  $comment: string;
  workspaceRoot: string;
  cacheRoot: string;
  sourcesDir: string;
  stepsDir: string;
  toolchainsDir: string;
  venvPython: string;
  nativeVenvPython: Record<ConfigurationName, string>;
  wasmtimeCache: { dir: string; maxMb: number };
  /** Relative to workspaceRoot. */
  dist: Record<ConfigurationName, DistLayout>;
  tools: { wasmtimePython: string; llvm: string; llvmBin: string };
  apt: AptPackage[];
}

export const workspaceFactsPath = (workspaceRoot: string) => join(workspaceRoot, S.dist.facts);

export function workspaceFacts(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): WorkspaceFacts {
  const root = cacheRoot(env);
  return {
    $comment: 'Written by tools/setup.mjs (writeWorkspaceFacts, packages/core/src/workspace-facts.ts); do not edit, run npm run setup.',
    workspaceRoot,
    cacheRoot: root,
    sourcesDir: sourcesDir(root),
    stepsDir: stepsDir(root),
    toolchainsDir: toolchainsDir(root),
    venvPython: venvPython(root),
    nativeVenvPython: Object.fromEntries(CONFIGURATION_NAMES.map((c) => [c, nativeVenvPython(c, root)])) as Record<ConfigurationName, string>,
    wasmtimeCache: { dir: wasmtimeCacheDir(root), maxMb: wasmtimeCacheMaxMb(env) },
    dist: Object.fromEntries(CONFIGURATION_NAMES.map((c) => [c, distLayout(c)])) as Record<ConfigurationName, DistLayout>,
    tools: { ...S.tools },
    apt: S.apt,
  };
}

/** Writes the facts, resolved for `env`, to <workspaceRoot>/dist/workspace-facts.json; returns its path. */
export function writeWorkspaceFacts(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = workspaceFactsPath(workspaceRoot);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(workspaceFacts(workspaceRoot, env), null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}

export function readWorkspaceFacts(workspaceRoot: string): WorkspaceFacts {
  const path = workspaceFactsPath(workspaceRoot);
  if (!existsSync(path)) throw new WasiPystackError(`${path} is missing`, 'run npm run setup (it writes the workspace facts)');
  return JSON.parse(readFileSync(path, 'utf8')) as WorkspaceFacts;
}
