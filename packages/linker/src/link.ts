// The link: the stack module (linked once per set of inputs, optimized, snapshotted for reactors)
// and the project's module made from it (finishModule); link() runs plan.ts's plan. The package's
// public API is index.ts.
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WasiPystackError, readLock, readManifest, resolveToolchain, runCommand, timed } from '@wasi-pystack/core';
import { ALLOWED_IMPORT_MODULE, KIND_EXPORTS, maxMemoryPages, planLink, wantsSnapshot, type LinkOptions, type ModuleKind } from './plan';
import { encodeProjectData, type ProjectData } from './project-data';
import { appendDataAtMemoryEnd, removeExports, setMemoryMaximum } from './wasm-edit';
import { wasmImports } from './wasm-imports';
import { stripExceptionsIfNone, translateIfExnref } from './exceptions';
import { snapshotReactor } from './snapshot';
import { DEFAULT_WASM_OPT_FLAGS, optimizeModule } from './wasm-opt';
import { signatureMismatches } from './link-warnings';

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
