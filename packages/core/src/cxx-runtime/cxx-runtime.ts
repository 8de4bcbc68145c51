import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { WasiPystackError } from '../errors';
import type { SourceLock } from '../lock';
import { toolchainsDir } from '../workspace-facts';
import { buildLibraryPrefix, readLibraryRecipes } from '../builders/c-libraries';
import { stepOutputIdentity } from '../step-cache';
import { resolveBaseToolchain, writeWrapper, type CxxRuntime, type Toolchain } from '../toolchain';

/**
 * The C++ runtime with WebAssembly exception handling, and the toolchain that uses it.
 *
 * The base toolchain (wasi-sdk or the embedded one) builds libc++, libc++abi and libunwind from the
 * recipe beside this file, a step in the step cache. The toolchain every step gets is the base one
 * with a `c++` that compiles with wasm exceptions against that runtime's headers; the linker links
 * its archives into modules that contain C++ (docs/exceptions.md).
 */

/** The recipe (a wasi-pystack-library-recipes/1 file), shipped beside this module. */
export const CXX_RUNTIME_RECIPE = join(__dirname, 'runtime-recipes.json');

/** How C++ code throws: WebAssembly exception handling (clang emits the legacy form; the linker may translate it). */
export const CXX_EXCEPTION_FLAGS = ['-fwasm-exceptions'];

const RUNTIME_ARCHIVES = ['lib/libc++.a', 'lib/libc++abi.a', 'lib/libunwind.a'];

/** Builds (or restores from the step cache) the C++ runtime with the base toolchain. */
export async function buildCxxRuntime(base: Toolchain, lock: SourceLock, jobs = availableParallelism()): Promise<{ runtime: CxxRuntime; identity: string }> {
  const built = await buildLibraryPrefix({ step: 'cxx-runtime', recipes: readLibraryRecipes(CXX_RUNTIME_RECIPE), lock, toolchain: base, jobs });
  const runtime: CxxRuntime = {
    prefix: built.outDir,
    includeDir: join(built.outDir, 'include', 'c++', 'v1'),
    libraries: RUNTIME_ARCHIVES.map((a) => join(built.outDir, a)),
    compileFlags: [...CXX_EXCEPTION_FLAGS, '-nostdinc++', '-isystem', join(built.outDir, 'include', 'c++', 'v1')],
  };
  const missing = [runtime.includeDir, ...runtime.libraries].filter((p) => !existsSync(p));
  if (missing.length) throw new WasiPystackError(`the C++ runtime in ${built.outDir} is incomplete`, `remove that folder (wasi-pystack-cache) and build again; the recipe is ${CXX_RUNTIME_RECIPE}`, missing);
  return { runtime, identity: stepOutputIdentity(built.outDir) };
}

/**
 * The base toolchain with its `c++` compiling against the runtime (wasm exceptions, the runtime's
 * headers). Its fingerprint covers the runtime, so every C++ build follows a change of it.
 */
export function withCxxRuntime(base: Toolchain, runtime: CxxRuntime, runtimeIdentity: string): Toolchain {
  const fingerprint = createHash('sha256').update(JSON.stringify([base.fingerprint, runtimeIdentity, runtime.compileFlags])).digest('hex').slice(0, 16);
  const binDir = join(toolchainsDir(), `${base.kind}-cxx-${fingerprint}`, 'bin');
  const cxx = join(binDir, 'c++');
  if (!existsSync(cxx)) {
    writeWrapper(cxx, [base.cxx, ...runtime.compileFlags], { atomic: true });
  }
  return { ...base, cxx, cxxRuntime: runtime, fingerprint };
}

/**
 * The toolchain steps and the linker use: $WASI_SDK_PATH or the embedded default, with the C++
 * runtime built by its recipe.
 */
export async function resolveToolchain(lock: SourceLock, env: NodeJS.ProcessEnv = process.env): Promise<Toolchain> {
  const base = await resolveBaseToolchain(lock, env);
  const { runtime, identity } = await buildCxxRuntime(base, lock);
  return withCxxRuntime(base, runtime, identity);
}
