import MagicString, { type SourceMap } from 'magic-string';
import { ownInitSymbol, staticInitSymbol } from '@wasi-pystack/core';

/**
 * Cython names a module's init function after the last part of its name: pandas._libs.tslibs.base
 * and any other module called `base` both define PyInit_base. Shared libraries keep those apart; one
 * static module cannot. The init function is renamed after the full dotted name, and the linker
 * registers that symbol under the dotted name in CPython's inittab.
 */
export function uniqueInitSymbol(moduleName: string): string {
  if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(moduleName)) throw new Error(`not a dotted module name: ${moduleName}`);
  return staticInitSymbol(moduleName);
}

export interface PatchResult {
  code: string;
  map: SourceMap;
  /** How many places were changed. */
  replacements: number;
}

/** Renames PyInit_<last part> to uniqueInitSymbol(moduleName) in Cython-generated C or C++. */
export function renameInitFunction(code: string, moduleName: string, fileName = `${moduleName}.c`): PatchResult {
  const own = ownInitSymbol(moduleName);
  const from = new RegExp(`\\b${own}\\b`, 'g');
  const to = uniqueInitSymbol(moduleName);
  const s = new MagicString(code);
  let replacements = 0;
  let definitions = 0;
  for (const m of code.matchAll(from)) {
    s.overwrite(m.index!, m.index! + m[0].length, to);
    replacements++;
    if (/^\s*\(\s*void\s*\)\s*$/m.test(code.slice(m.index! + m[0].length, code.indexOf('\n', m.index!)))) definitions++;
  }
  if (definitions === 0) throw new Error(`${fileName}: no definition of ${own}; is it Cython output for ${moduleName}?`);
  return { code: s.toString(), map: s.generateMap({ source: fileName, includeContent: false, hires: true }), replacements };
}
