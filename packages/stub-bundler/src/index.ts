import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  WasiPystackError,
  fetchSource,
  getSource,
  readLock,
  readManifest,
  requireBuildPython,
  requiredClosure,
  findPinned,
  packageOf,
  runCommand,
  timed,
  type Command,
  type SourceEntry,
  type SourceLock,
} from '@wasi-pystack/core';
import { isOptimizationLevel, readProject, type OptimizationLevel, type PythonProject } from './project';

export { readProject, type OptimizationLevel, type PythonProject } from './project';

export const PYTHON_DIR = join(__dirname, 'python');
/** Honest stand-ins for what WASI cannot do at all; each file says why. Bundled only when asked for. */
export const STUBS_DIR = join(__dirname, '..', 'stubs');
export const BUNDLE_FILE = 'bundle.bin';
export const IMPORTER_FILE = 'bundle_importer.py';
export const BUNDLE_INFO_FILE = 'bundle.json';

export interface BundleOptions {
  workspaceRoot: string;
  /** Output folders of build steps (each with a wasi-manifest.json); the first is python-wasi's. */
  inputs: string[];
  /** A user project folder with a pyproject.toml. */
  project?: string;
  /**
   * Further pure-Python wheels to include, by their names in the lock file. What the inputs and the
   * project's dependencies require at run time (pandas: python-dateutil, pytz, tzdata, six) comes
   * from the lock's `requires` without being listed here.
   */
  wheels?: string[];
  /** Names of stubs from STUBS_DIR to include. */
  stubs?: string[];
  /** Where bundle.bin, bundle_importer.py and bundle.json go. */
  outDir: string;
  /**
   * Python's optimization level for the bundled bytecode and for the interpreter that runs it
   * (0 by default; 2 is `python -OO`: no asserts, no docstrings, a smaller bundle). Overrides the
   * project's [tool.wasi-pystack] optimize.
   */
  optimize?: OptimizationLevel;
}

/** What the linker needs to know about a bundle. */
export interface BundleInfo {
  format: 'wasi-pystack-bundle/1';
  /** The reactor's entry, when a project was bundled. */
  entry?: { module: string; function: string };
  /** The project's [tool.wasi-pystack] preimport. */
  preimport?: string[];
  /** The project's [tool.wasi-pystack] warmup. */
  warmup?: { module: string; function: string };
  project?: string;
  /** The optimization level the bundle was compiled at, when not 0: the linker starts the interpreter at it. */
  optimize?: OptimizationLevel;
  files: number;
  bytes: number;
  /** sha256 of bundle.bin (the linker derives a snapshot's hash secret from it). */
  sha256: string;
}

interface BundlePlan {
  output: string;
  listing: string;
  compress: boolean;
  /** compile()'s optimize for every Python file. */
  optimize: OptimizationLevel;
  /** Top-level modules left out on purpose, with the reason an import of one reports. */
  left_out: Record<string, string>;
  roots: { path: string; exclude?: string[]; keep_source?: boolean; origin: string }[];
  wheels: { path: string; origin: string }[];
}

/**
 * Pure: the stdlib's exclusions for a project (the defaults, less keep-stdlib, plus exclude-stdlib)
 * and the reason for each top-level module left out.
 */
export function stdlibExclusions(defaults: string[], reasons: Record<string, string>, project?: Pick<PythonProject, 'keepStdlib' | 'excludeStdlib' | 'name'>) {
  const keep = new Set(project?.keepStdlib ?? []);
  const topLevel = (pattern: string) => (/^[A-Za-z_]\w*(\.py)?$/.test(pattern) ? pattern.replace(/\.py$/, '') : undefined);
  const exclude = defaults.filter((p) => !keep.has(topLevel(p) ?? ''));
  const left: Record<string, string> = {};
  for (const p of exclude) {
    const name = topLevel(p);
    if (name && reasons[name]) left[name] = reasons[name];
  }
  for (const name of project?.excludeStdlib ?? []) {
    exclude.push(name, `${name}.py`);
    left[name] = `left out by ${project!.name}'s [tool.wasi-pystack] exclude-stdlib`;
  }
  return { exclude, left };
}

/** Pure: the plan make_bundle.py executes. */
export function planBundle(options: BundleOptions, project: PythonProject | undefined, wheelPaths: Map<string, string>, wheelEntries: SourceEntry[] = project?.dependencies ?? []): BundlePlan {
  const roots: BundlePlan['roots'] = [];
  const leftOut: Record<string, string> = {};
  for (const input of options.inputs) {
    const manifest = readManifest(input);
    for (const root of manifest.pythonRoots) {
      const { exclude, left } = root.leftOut ? stdlibExclusions(root.exclude ?? [], root.leftOut, project) : { exclude: root.exclude, left: {} };
      Object.assign(leftOut, left);
      roots.push({ path: root.path, exclude, origin: manifest.name });
    }
  }
  for (const stub of options.stubs ?? []) {
    const dir = join(STUBS_DIR, stub);
    if (!existsSync(dir)) throw new WasiPystackError(`unknown stub '${stub}'`, `choose one of: ${readdirSync(STUBS_DIR).join(', ') || '(none)'}`);
    roots.push({ path: dir, origin: `stub ${stub}` });
  }
  if (project) {
    roots.push({ path: project.sourceDir, exclude: ['tests/**', 'test/**'], keep_source: true, origin: `project ${project.name}` });
  }
  const wheels = wheelEntries.map((dep) => ({ path: wheelPaths.get(dep.name)!, origin: `${dep.name} ${dep.version}` }));
  return { output: join(options.outDir, BUNDLE_FILE), listing: join(options.outDir, 'bundle-files.json'), compress: true, optimize: optimizationLevel(options, project), left_out: leftOut, roots, wheels };
}

/** Pure: the level a bundle is compiled at: the option, else the project's, else 0. */
export function optimizationLevel(options: Pick<BundleOptions, 'optimize'>, project?: Pick<PythonProject, 'optimize'>): OptimizationLevel {
  const level = options.optimize ?? project?.optimize ?? 0;
  if (!isOptimizationLevel(level)) {
    throw new WasiPystackError(`optimize is ${JSON.stringify(level)}, not 0, 1 or 2`, 'give optimize: 2 to drop asserts and docstrings (python -OO), 1 to drop asserts only, or 0');
  }
  return level;
}

/**
 * Pure: the wheels a bundle holds. The lock keys of the inputs (numpy, pandas), the project's
 * dependencies and the extra wheels, with everything they require (lock `requires`, transitively),
 * less what an input already provides. A project's compiled dependencies must be provided by an input
 * in the pinned version.
 */
export function planWheels(lock: SourceLock, inputs: { name: string; version: string }[], project: PythonProject | undefined, extra: string[] = []): SourceEntry[] {
  // Inputs by the lock keys that pin them (numpy 2.5.5 -> "numpy-2.5").
  const providedKeys = new Set(inputs.map((m) => findPinned(lock, m.name, m.version)?.name).filter((k): k is string => !!k));
  for (const dep of project?.builtDependencies ?? []) {
    const input = inputs.find((m) => m.name === packageOf(dep));
    if (!input) {
      throw new WasiPystackError(`project ${project!.name} depends on ${packageOf(dep)}==${dep.version}, which has compiled code, and no input provides it`, `add the output of the step that builds ${packageOf(dep)} (for pandas: python-wasi, numpy-wasi and pandas-wasi) to the inputs`);
    }
    if (input.version !== dep.version) {
      throw new WasiPystackError(`project ${project!.name} depends on ${packageOf(dep)}==${dep.version}, but its input provides ${input.name} ${input.version}`, `depend on ${input.name}==${input.version}, or build the step for ${dep.version}`);
    }
  }
  for (const name of extra) {
    const entry = getSource(lock, name);
    if (!entry.file.endsWith('.whl')) throw new WasiPystackError(`lock entry '${name}' is not a wheel (${entry.file})`, 'name a pure-Python wheel from deps/sources.lock.json');
  }
  const roots = [...providedKeys, ...(project?.builtDependencies ?? []).map((d) => d.name), ...(project?.dependencies ?? []).map((d) => d.name), ...extra];
  return requiredClosure(lock, roots)
    .filter((key) => !providedKeys.has(key))
    .map((key) => {
      const entry = getSource(lock, key);
      if (!entry.file.endsWith('.whl')) {
        throw new WasiPystackError(`${packageOf(entry)} ${entry.version} is required at run time but is not a pure-Python wheel in ${lock.path} and no input provides it`, `add the output of the step that builds ${packageOf(entry)} to the inputs`);
      }
      return entry;
    });
}

/** Bundles everything into options.outDir. Returns the bundle's description. */
export async function bundle(options: BundleOptions): Promise<BundleInfo> {
  const lock = readLock(options.workspaceRoot);
  const project = options.project ? readProject(options.project, lock) : undefined;
  const python = readManifest(options.inputs[0]);
  const buildPython = requireBuildPython(python);
  const inputs = options.inputs.map((dir) => readManifest(dir));
  const wheelEntries = planWheels(lock, inputs, project, options.wheels ?? []);
  const wheelPaths = new Map<string, string>();
  for (const dep of wheelEntries) wheelPaths.set(dep.name, await fetchSource(dep));
  mkdirSync(options.outDir, { recursive: true });
  const plan = planBundle(options, project, wheelPaths, wheelEntries);
  const planFile = join(options.outDir, 'bundle-plan.json');
  writeFileSync(planFile, JSON.stringify(plan, null, 2));
  const cmd: Command = { argv: [buildPython, join(PYTHON_DIR, 'make_bundle.py'), planFile], cwd: options.outDir };
  await timed(`bundling ${project ? project.name : python.name}`, () => runCommand(cmd, { logFile: join(options.outDir, 'bundle.log') }));
  copyFileSync(join(PYTHON_DIR, IMPORTER_FILE), join(options.outDir, IMPORTER_FILE));
  const listing = JSON.parse(readFileSync(plan.listing, 'utf8')) as Record<string, { size: number }>;
  const info: BundleInfo = {
    format: 'wasi-pystack-bundle/1',
    entry: project?.entry,
    preimport: project?.preimport,
    warmup: project?.warmup,
    project: project?.name,
    ...(plan.optimize ? { optimize: plan.optimize } : {}),
    files: Object.keys(listing).length,
    bytes: statSync(plan.output).size,
    sha256: createHash('sha256').update(readFileSync(plan.output)).digest('hex'),
  };
  writeFileSync(join(options.outDir, BUNDLE_INFO_FILE), JSON.stringify(info, null, 2) + '\n');
  return info;
}
