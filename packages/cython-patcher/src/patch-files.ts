import { readFileSync, writeFileSync } from 'node:fs';
import { renameInitFunction } from './unique-init';

export const PATCH_MARKER = '/* patched by @wasi-pystack/cython-patcher: unique init symbol for static linking */';

/**
 * Patches one generated file in place (idempotent) and writes a source map beside it
 * (<file>.map) that maps the patched file back to Cython's output. The marker goes at the end:
 * Cython refuses to overwrite a file whose first line is not its own header.
 */
export function patchCythonFile(path: string, moduleName: string): { replacements: number; alreadyPatched: boolean } {
  const code = readFileSync(path, 'utf8');
  if (code.includes(PATCH_MARKER)) return { replacements: 0, alreadyPatched: true };
  const result = renameInitFunction(code, moduleName, path);
  writeFileSync(path, `${result.code}\n${PATCH_MARKER}\n`);
  writeFileSync(`${path}.map`, result.map.toString());
  return { replacements: result.replacements, alreadyPatched: false };
}
