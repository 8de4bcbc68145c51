// How a module's C++ exceptions reach the engine (docs/exceptions.md). Every C++ translation unit
// is compiled with WebAssembly exception handling (core's toolchain: -fwasm-exceptions against the
// C++ runtime built by its recipe), which clang 19 writes in the legacy form (try/catch/rethrow).
// The link decides what the finished module holds:
//   exnref  the standard form (try_table/throw_ref): binaryen translates the legacy instructions.
//   legacy  as compiled: V8 (every Node) runs it; wasmtime never has.
//   none    no exception handling at all (for engines without it): binaryen strips it, and a throw
//           ends the program with a message naming the exception's type (c/cxx_throw.c).
import { readFileSync, renameSync } from 'node:fs';
import { WasiPystackError } from '@wasi-pystack/core';
import { runBinaryenPasses } from './wasm-opt';
import { usesExceptionHandling } from '@wasi-pystack/host';

export const EXCEPTION_FORMS = ['exnref', 'legacy', 'none'] as const;
export type ExceptionForm = (typeof EXCEPTION_FORMS)[number];
/** The default, from the host matrix in docs/exceptions.md: wasmtime and Node 22+ run it. */
export const DEFAULT_EXCEPTION_FORM: ExceptionForm = 'exnref';

/** The form a link option or [tool.wasi-pystack] exceptions names; one clear error for anything else. */
export function exceptionForm(value: unknown, where = 'exceptions'): ExceptionForm {
  if (value === undefined) return DEFAULT_EXCEPTION_FORM;
  if (typeof value === 'string' && (EXCEPTION_FORMS as readonly string[]).includes(value)) return value as ExceptionForm;
  throw new WasiPystackError(`${where} = ${JSON.stringify(value)} is no form of WebAssembly exception handling`, `use one of ${EXCEPTION_FORMS.map((f) => `"${f}"`).join(', ')} (docs/exceptions.md; "none" for engines without exception handling, such as wasmtime before 4x)`);
}

export { usesExceptionHandling };

/** Link arguments of a form: `none` sends every throw to cxx_throw.c's message. */
export const exceptionLinkArgs = (form: ExceptionForm): string[] => (form === 'none' ? ['-Wl,--wrap=__cxa_throw'] : []);
/** C files of a form (in the linker's c/ folder). */
export const exceptionSources = (form: ExceptionForm): string[] => (form === 'none' ? ['cxx_throw.c'] : []);

/** Before optimizing: `none` drops try/catch and throw (a throw is already sent to the message). */
export async function stripExceptionsIfNone(file: string, form: ExceptionForm): Promise<void> {
  if (form !== 'none' || !usesExceptionHandling(readFileSync(file))) return;
  await runBinaryenPasses(file, `${file}.noeh`, ['--strip-eh', '--remove-unused-module-elements']);
  renameSync(`${file}.noeh`, file);
}

/** Last: `exnref` translates the legacy instructions to the standard ones. */
export async function translateIfExnref(file: string, form: ExceptionForm): Promise<void> {
  if (form !== 'exnref' || !usesExceptionHandling(readFileSync(file))) return;
  await runBinaryenPasses(file, `${file}.exnref`, ['--translate-to-exnref']);
  renameSync(`${file}.exnref`, file);
}
