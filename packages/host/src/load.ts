// Loading a module: its bytes read, capped when asked, compiled once per process and shared by every
// run and worker (a compiled WebAssembly.Module crosses to workers without another compile).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { HostError } from './errors';
import { capMemory, memoryBytes, memoryLimits, usesExceptionHandling, type MemoryLimits } from './module-memory';
import { Wasm, type CompiledModule } from './wasm-api';

export interface LoadOptions {
  /**
   * The most memory an instance may have: bytes or a size with a unit ("512MiB"). The module's
   * maximum is lowered to it (never raised), so the engine refuses to grow past it and Python gets
   * MemoryError. Default: the module's own maximum (a module linked with maxMemory), else 4 GiB.
   */
  maxMemory?: number | string;
}

export interface LoadedModule {
  /** Where it was loaded from (a path), or "<bytes>". */
  source: string;
  /** sha256 of the module as given (before any cap). */
  sha256: string;
  /** command: exports _start; reactor: exports process (and maybe _initialize). */
  kind: 'command' | 'reactor';
  exports: string[];
  memory: MemoryLimits;
  compiled: CompiledModule;
}

const compiledModules = new Map<string, Promise<LoadedModule>>();

async function compile(source: string, bytes: Uint8Array, sha256: string, capBytes?: number): Promise<LoadedModule> {
  const capped = capBytes === undefined ? { module: bytes, limits: memoryLimits(bytes) } : capMemory(bytes, capBytes);
  const compiled = await Wasm.compile(capped.module).catch((e: Error) => {
    if (!usesExceptionHandling(bytes)) throw e;
    throw new HostError(
      `${source} uses WebAssembly exception handling, and Node ${process.versions.node} cannot compile it (${e.message}). ` +
        'Node 22 and later run the exnref form (the default); every Node runs a module linked with exceptions = "legacy"; "none" has no exception handling.',
    );
  });
  const exportNames = Wasm.Module.exports(compiled).map((e) => e.name);
  const kind = exportNames.includes('_start') ? 'command' : exportNames.includes('process') ? 'reactor' : undefined;
  if (!kind) throw new Error(`${source} exports neither _start (a command) nor process (a reactor): it is not a wasi-pystack module`);
  return { source, sha256, kind, exports: exportNames, memory: capped.limits, compiled };
}

/** Loads (reads, caps, compiles) a module; the same bytes and cap are compiled once per process. */
export async function loadModule(module: string | Uint8Array, options: LoadOptions = {}): Promise<LoadedModule> {
  const bytes = typeof module === 'string' ? new Uint8Array(await readFile(module)) : module;
  const source = typeof module === 'string' ? module : '<bytes>';
  const capBytes = options.maxMemory === undefined ? undefined : memoryBytes(options.maxMemory);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const key = `${sha256}:${capBytes ?? ''}`;
  let loaded = compiledModules.get(key);
  if (!loaded) {
    loaded = compile(source, bytes, sha256, capBytes);
    compiledModules.set(key, loaded);
    loaded.catch(() => compiledModules.delete(key));
  }
  return loaded;
}
