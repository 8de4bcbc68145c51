// The plan of a link: the options and the manifests in (and the project's files read), the glue, the
// argv of the compile and the link, the exports and the stack size out. link.ts executes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasiPystackError, type BuildManifest, type Command, type Toolchain } from '@wasi-pystack/core';
import { memoryBytes, PAGE_BYTES } from '@wasi-pystack/host';
import { exceptionForm, exceptionLinkArgs, exceptionSources, type ExceptionForm } from './exceptions';
import { generateGlue } from './glue';
import { encodeProjectData, type ProjectData } from './project-data';
import { snapshotHashSeed } from './snapshot';

export const C_DIR = join(__dirname, 'c');
/** Every module gets this much stack, placed first so an overflow traps instead of corrupting data. */
export const STACK_SIZE = 16 * 1024 * 1024;
export const ALLOWED_IMPORT_MODULE = 'wasi_snapshot_preview1';

export type ModuleKind = 'command' | 'reactor';

export interface LinkOptions {
  workspaceRoot: string;
  /** Step output folders with wasi-manifest.json; the first is python-wasi's. */
  inputs: string[];
  /** A stub-bundler output folder (bundle.bin, bundle_importer.py, bundle.json). */
  bundle: string;
  kind: ModuleKind;
  /** The .wasm file to write. */
  output: string;
  /** Strip names and debug info (default true). */
  strip?: boolean;
  /**
   * Reactors only: pre-initialize the module at build time (snapshot.ts) with the interpreter started and
   * the entry, the packages of the inputs (numpy, pandas) and the project's preimports imported.
   * Default true for reactors; false builds a reactor that starts at its first process() call.
   */
  snapshot?: boolean;
  /**
   * binaryen's wasm-opt on the linked module, before the snapshot: true or absent for the default
   * (DEFAULT_WASM_OPT_FLAGS), false to skip it, or the wasm-opt flags to use (e.g. ['-Oz']).
   */
  optimize?: boolean | string[];
  /**
   * Stack layout. Only for experiments that reproduce other builds' failures (docs/): the default,
   * 16 MiB placed before the data, is what every module of this toolchain uses.
   */
  stack?: { size: number; first: boolean };
  /**
   * The most memory the module may have, in bytes (a number) or with a unit ("512MiB", "2GiB"):
   * the memory's maximum, so every engine enforces it, and Python past it gets MemoryError. Set on
   * the finished module (the stack module and its wasm-opt pass are shared). Default: none (4 GiB).
   */
  maxMemory?: number | string;
  /**
   * The form of WebAssembly exception handling for C++ code (docs/exceptions.md): 'exnref' (the
   * default; wasmtime, Node 22+), 'legacy' (every Node; no wasmtime) or 'none' (no exception
   * handling: a C++ throw ends the program with a message; for engines without it).
   */
  exceptions?: ExceptionForm;
}

/** maxMemory in 64 KiB pages (rounded up), or undefined when not set. */
export function maxMemoryPages(maxMemory: number | string | undefined): number | undefined {
  if (maxMemory === undefined) return undefined;
  let bytes: number;
  try {
    bytes = memoryBytes(maxMemory);
  } catch {
    throw new WasiPystackError(`maxMemory '${maxMemory}' is not a memory size of wasm32`, 'give bytes or a size with KiB, MiB or GiB, at most 4GiB (for example "512MiB")');
  }
  return Math.ceil(bytes / PAGE_BYTES);
}

/** Reactors are snapshotted unless told otherwise; commands never are. */
export const wantsSnapshot = (options: Pick<LinkOptions, 'kind' | 'snapshot'>) => options.kind === 'reactor' && options.snapshot !== false;

/**
 * What a reactor imports after its entry: the Python packages of the inputs after python-wasi's
 * (numpy, pandas; not test helpers), then the project's [tool.wasi-pystack] preimport.
 */
export function reactorPreimports(manifests: Pick<BuildManifest, 'name' | 'modules'>[], projectPreimport: string[]): string[] {
  const packages = manifests.slice(1).filter((m) => m.modules.length && /^[A-Za-z_]\w*$/.test(m.name)).map((m) => m.name);
  return [...new Set([...packages, ...projectPreimport])];
}

export interface LinkPlan {
  glueSource: string;
  workDir: string;
  compile: Command[];
  /** Links the stack module: the code of every module on these inputs, commands and reactors alike. */
  link: Command;
  stackFile: string;
  kind: ModuleKind;
  /** What turns the stack module into this project's module (finishModule). */
  project: ProjectData;
  /** The form of exception handling the module gets (exceptions.ts). */
  exceptions: ExceptionForm;
}

/** The C files of every stack module: the runtime, both entries, and the project data reader. */
const RUNTIME_SOURCES = ['runtime.c', 'project.c', 'entry_command.c', 'entry_reactor.c'];

/**
 * The exports that only one kind keeps. A stack module has both kinds' entries; a command must not
 * export _initialize (Node's WASI refuses to start it) and a reactor has no _start.
 */
export const KIND_EXPORTS: Record<ModuleKind, string[]> = {
  command: ['_start'],
  reactor: ['_initialize', 'wasi_pystack_initialize', 'process', 'wizer.initialize'],
};

/**
 * Pure: turns options and manifests into the commands that compile the glue and link the stack
 * module, and the project's data that finishes it. The stack module depends on the manifests and the
 * link options only, never on the bundle or the kind, so one wasm-opt pass serves every project.
 */
export function planLink(options: LinkOptions, manifests: (BuildManifest & { dir: string })[], toolchain: Pick<Toolchain, 'cc' | 'cxxRuntime'>): LinkPlan {
  const workDir = `${options.output}.work`;
  const bundleInfo = JSON.parse(readFileSync(join(options.bundle, 'bundle.json'), 'utf8'));
  if (options.kind === 'reactor' && !bundleInfo.entry) {
    throw new WasiPystackError(`a reactor needs an entry, and ${options.bundle} was bundled without a project`, 'bundle a project whose pyproject.toml sets [tool.wasi-pystack] entry, or build a command');
  }
  const snapshot = wantsSnapshot(options);
  const bundleFile = join(options.bundle, 'bundle.bin');
  const bundle = readFileSync(bundleFile);
  const preimport = options.kind === 'reactor' ? reactorPreimports(manifests, bundleInfo.preimport ?? []) : [];
  const project: ProjectData = {
    bundle,
    importerSource: readFileSync(join(options.bundle, 'bundle_importer.py'), 'utf8'),
    entry: options.kind === 'reactor' ? bundleInfo.entry : undefined,
    preimport,
    warmup: snapshot ? bundleInfo.warmup : undefined,
    optimizationLevel: bundleInfo.optimize ?? 0,
    hashSeed: snapshot ? snapshotHashSeed([bundleInfo.sha256 ?? bundle, JSON.stringify(manifests.map((m) => [m.name, m.version, m.modules])), JSON.stringify([preimport, bundleInfo.warmup ?? null])]) : 0,
  };
  encodeProjectData(project); // checks the names now, before minutes of linking
  const glueSource = generateGlue({ modules: manifests.flatMap((m) => m.modules) });
  const includes = manifests.flatMap((m) => m.includeDirs).map((d) => `-I${d}`);
  const cflags = ['-std=gnu23', '-O2', '-Wall', `-I${C_DIR}`, ...includes];
  const form = exceptionForm(options.exceptions);
  const sources = [join(workDir, 'wasi_pystack_generated.c'), ...[...RUNTIME_SOURCES, ...exceptionSources(form)].map((s) => join(C_DIR, s))];
  const objects = sources.map((s) => join(workDir, s.split('/').pop()!.replace(/\.c$/, '.o')));
  const compile = sources.map((src, i) => ({ argv: [toolchain.cc, ...cflags, '-c', src, '-o', objects[i]], cwd: workDir }));
  const stackFile = `${options.output}.stack.tmp`;
  const linkArgs = [
    toolchain.cc,
    // No start files: entry_command.c brings _start and entry_reactor.c _initialize (wasi-libc's
    // traps when a restored snapshot is initialized again); the reactor model keeps both.
    '-mexec-model=reactor', '-nostartfiles',
    '-o', stackFile,
    ...objects,
    ...manifests.flatMap((m) => m.libraries),
    // The C++ runtime with wasm exceptions (core's cxx-runtime recipe); the linker takes from it
    // only what C++ code in the inputs uses, so C-only modules get nothing of it.
    ...(toolchain.cxxRuntime?.libraries ?? []),
    ...[...new Set(manifests.flatMap((m) => m.linkArgs))],
    ...exceptionLinkArgs(form),
    `-Wl,-z,stack-size=${options.stack?.size ?? STACK_SIZE}`,
    ...(options.stack?.first === false ? [] : ['-Wl,--stack-first']),
    ...(options.strip === false ? [] : ['-Wl,--strip-all']),
  ];
  return { glueSource, workDir, compile, link: { argv: linkArgs, cwd: workDir }, stackFile, kind: options.kind, project, exceptions: form };
}

