import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  WasiPystackError,
  fetchSource,
  getSource,
  readLock,
  readManifest,
  requireBuildPython,
  runCommand,
  timed,
  type Command,
  type SourceEntry,
} from '@wasi-pystack/core';
import { readProject, type PythonProject } from './project';

export { readProject, type PythonProject } from './project';

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
  /** Pure-Python wheels to include, by their names in the lock file (e.g. pandas' pytz, tzdata). */
  wheels?: string[];
  /** Names of stubs from STUBS_DIR to include. */
  stubs?: string[];
  /** Where bundle.bin, bundle_importer.py and bundle.json go. */
  outDir: string;
}

/** What the linker needs to know about a bundle. */
export interface BundleInfo {
  format: 'wasi-pystack-bundle/1';
  /** The reactor's entry, when a project was bundled. */
  entry?: { module: string; function: string };
  project?: string;
  files: number;
  bytes: number;
}

interface BundlePlan {
  output: string;
  listing: string;
  compress: boolean;
  roots: { path: string; exclude?: string[]; keep_source?: boolean; origin: string }[];
  wheels: { path: string; origin: string }[];
}

/** Pure: the plan make_bundle.py executes. */
export function planBundle(options: BundleOptions, project: PythonProject | undefined, wheelPaths: Map<string, string>, wheelEntries: SourceEntry[] = project?.dependencies ?? []): BundlePlan {
  const roots: BundlePlan['roots'] = [];
  for (const input of options.inputs) {
    const manifest = readManifest(input);
    for (const root of manifest.pythonRoots) roots.push({ path: root.path, exclude: root.exclude, origin: manifest.name });
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
  return { output: join(options.outDir, BUNDLE_FILE), listing: join(options.outDir, 'bundle-files.json'), compress: true, roots, wheels };
}

/** Bundles everything into options.outDir. Returns the bundle's description. */
export async function bundle(options: BundleOptions): Promise<BundleInfo> {
  const lock = readLock(options.workspaceRoot);
  const project = options.project ? readProject(options.project, lock) : undefined;
  const python = readManifest(options.inputs[0]);
  const buildPython = requireBuildPython(python);
  const wheelEntries = [...(project?.dependencies ?? [])];
  for (const name of options.wheels ?? []) {
    const entry = getSource(lock, name);
    if (!entry.file.endsWith('.whl')) throw new WasiPystackError(`lock entry '${name}' is not a wheel (${entry.file})`, 'name a pure-Python wheel from deps/sources.lock.json');
    if (!wheelEntries.some((e) => e.name === name)) wheelEntries.push(entry);
  }
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
    project: project?.name,
    files: Object.keys(listing).length,
    bytes: statSync(plan.output).size,
  };
  writeFileSync(join(options.outDir, BUNDLE_INFO_FILE), JSON.stringify(info, null, 2) + '\n');
  return info;
}
