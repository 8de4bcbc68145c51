import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  WasiPystackError,
  readLock,
  readManifest,
  resolveToolchain,
  runCommand,
  timed,
  type BuildManifest,
  type Command,
  type Toolchain,
} from '@wasi-pystack/core';
import { memoryBytes, PAGE_BYTES } from '@wasi-pystack/host';
import { generateGlue } from './glue';
import { encodeProjectData, type ProjectData } from './project-data';
import { appendDataAtMemoryEnd, removeExports, setMemoryMaximum } from './wasm-edit';
import { wasmImports } from './wasm-imports';
import { exceptionForm, exceptionLinkArgs, exceptionSources, stripExceptionsIfNone, translateIfExnref, type ExceptionForm } from './exceptions';

export { generateGlue, GENERATED_MARKER } from './glue';
export { decodeProjectData, encodeProjectData, PROJECT_DATA_MAGIC, type ProjectData } from './project-data';
export { appendDataAtMemoryEnd, removeExports, setMemoryMaximum } from './wasm-edit';
export { DEFAULT_EXCEPTION_FORM, EXCEPTION_FORMS, exceptionForm, usesExceptionHandling, type ExceptionForm } from './exceptions';
export { wasmExports, wasmImports, wasmInitialMemoryBytes, wasmSections, type WasmImport, type WasmSection } from './wasm-imports';
export { snapshotCommand, snapshotFailure, snapshotHashSeed, snapshotReactor, takeSnapshot, SNAPSHOT_INIT_EXPORT } from './snapshot';
export { applySnapshot, definedGlobals, exportMutableGlobals, memorySegments, type SnapshotState } from './snapshot-image';
import { snapshotHashSeed, snapshotReactor } from './snapshot';
import { DEFAULT_WASM_OPT_FLAGS, optimizeModule } from './wasm-opt';
import { signatureMismatches } from './link-warnings';
export { DEFAULT_WASM_OPT_FLAGS, NATIVE_BINARYEN_SOURCE, WASM_FEATURES, nativeOptimizerUnavailable, optimizeModule, wasmOptCommand } from './wasm-opt';

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

/** Pure: a project's module from the stack module: the other kind's exports dropped, the project's data added. */
export function finishModule(stack: Buffer, kind: ModuleKind, project: ProjectData, maxMemory?: number | string): Buffer {
  const otherKind: ModuleKind = kind === 'command' ? 'reactor' : 'command';
  const module = appendDataAtMemoryEnd(removeExports(stack, KIND_EXPORTS[otherKind]), encodeProjectData(project)).module;
  const pages = maxMemoryPages(maxMemory);
  if (pages === undefined) return module;
  try {
    return setMemoryMaximum(module, pages);
  } catch (e) {
    throw new WasiPystackError(`maxMemory ${maxMemory}: ${(e as Error).message}`, 'raise maxMemory above what the module needs to start');
  }
}

/** Compiles the glue, links one module and checks it imports only WASI preview 1. */
export async function link(options: LinkOptions): Promise<{ output: string; bytes: number }> {
  const manifests = options.inputs.map((i) => readManifest(i));
  const lock = readLock(options.workspaceRoot);
  const toolchain = await resolveToolchain(lock);
  const plan = planLink(options, manifests, toolchain);
  rmSync(plan.workDir, { recursive: true, force: true });
  mkdirSync(plan.workDir, { recursive: true });
  mkdirSync(dirname(options.output), { recursive: true });
  writeFileSync(join(plan.workDir, 'wasi_pystack_generated.c'), plan.glueSource);
  const logFile = join(plan.workDir, 'link.log');
  await timed(`linking ${options.output}`, async () => {
    for (const cmd of plan.compile) await runCommand(cmd, { logFile });
    await runCommand(plan.link, { logFile });
  });
  const stackFile = plan.stackFile;
  const mismatched = signatureMismatches(readFileSync(logFile, 'utf8'));
  if (mismatched.length) {
    rmSync(stackFile, { force: true });
    throw new WasiPystackError(
      `wasm-ld linked calls to ${mismatched.length} function(s) through a signature other than the definition's: each such call traps at run time`,
      'make the caller\'s declaration match the definition (a patch to the package), or keep the caller\'s own copy apart from the library that defines it differently',
      mismatched.slice(0, 20),
    );
  }
  const foreign = wasmImports(stackFile).filter((i) => i.module !== ALLOWED_IMPORT_MODULE);
  if (foreign.length) {
    rmSync(stackFile);
    throw new WasiPystackError(`the linked module imports from outside ${ALLOWED_IMPORT_MODULE}`, 'provide the missing symbols from a library in a manifest (undefined symbols are never allowed)', foreign.slice(0, 10).map((i) => `${i.module}.${i.name}`));
  }
  await stripExceptionsIfNone(stackFile, plan.exceptions);
  if (options.optimize !== false) {
    // Cached by the stack module's content: every project on the same inputs shares this pass.
    const optimized = `${options.output}.opt.tmp`;
    const flags = Array.isArray(options.optimize) ? options.optimize : DEFAULT_WASM_OPT_FLAGS;
    await timed(`wasm-opt ${flags.join(' ')} on the stack of ${options.output}`, () => optimizeModule(stackFile, optimized, flags, { lock }));
    renameSync(optimized, stackFile);
  }
  // The stack module translated to exnref (cached: every project on the stack shares it). A snapshot
  // runs in this Node, which may not run exnref (Node 20): it runs the legacy module and its state is
  // written into the translated one, whose memory, globals and data are the same.
  const finalStack = `${stackFile}.final`;
  copyFileSync(stackFile, finalStack);
  await translateIfExnref(finalStack, plan.exceptions);
  const tmp = `${options.output}.tmp`;
  writeFileSync(tmp, finishModule(readFileSync(finalStack), options.kind, plan.project, options.maxMemory));
  if (wantsSnapshot(options)) {
    const translated = !readFileSync(finalStack).equals(readFileSync(stackFile));
    const runnable = translated ? `${options.output}.legacy.tmp` : tmp;
    if (translated) writeFileSync(runnable, finishModule(readFileSync(stackFile), options.kind, plan.project, options.maxMemory));
    const snapshotted = `${options.output}.snapshot.tmp`;
    await timed(`snapshot of ${options.output}`, () => snapshotReactor(runnable, snapshotted, join(plan.workDir, 'snapshot.log'), options.output, translated ? tmp : undefined));
    if (translated) rmSync(runnable);
    renameSync(snapshotted, tmp);
  }
  rmSync(stackFile);
  rmSync(finalStack);
  renameSync(tmp, options.output);
  if (!process.env.WASI_PYSTACK_KEEP_WORK) rmSync(plan.workDir, { recursive: true, force: true });
  return { output: options.output, bytes: statSync(options.output).size };
}
