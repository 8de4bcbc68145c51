import { describe, expect, it } from 'vitest';
import { generateGlue, GENERATED_MARKER } from './glue';

describe('generateGlue', () => {
  const glue = generateGlue({
    modules: [
      { name: 'numpy._core._multiarray_umath', initSymbol: 'PyInit_numpy__core__multiarray_umath' },
      { name: 'pandas._libs.tslibs.base', initSymbol: 'PyInit_pandas__libs__tslibs__base' },
    ],
  });

  it('starts with the generated-file marker', () => {
    expect(glue.startsWith(GENERATED_MARKER)).toBe(true);
  });

  it('registers dotted module names and the bundle module in the inittab', () => {
    expect(glue).toContain('extern PyObject *PyInit_numpy__core__multiarray_umath(void);');
    expect(glue).toContain('{"numpy._core._multiarray_umath", PyInit_numpy__core__multiarray_umath},');
    expect(glue).toContain('{"pandas._libs.tslibs.base", PyInit_pandas__libs__tslibs__base},');
    expect(glue).toContain('{"_wasi_bundle", PyInit__wasi_bundle},\n    {NULL, NULL},');
  });

  it('holds nothing of a project: no bundle, entry or names (they are data, placed after wasm-opt)', () => {
    expect(glue).not.toMatch(/#embed|entry|preimport|hash_seed|optimization/);
  });

  it('rejects init symbols that are not C identifiers and duplicate modules', () => {
    expect(() => generateGlue({ modules: [{ name: 'a.b', initSymbol: 'PyInit_a.b' }] })).toThrow("module a.b: init symbol 'PyInit_a.b' is not a C identifier");
    expect(() => generateGlue({ modules: [{ name: 'x', initSymbol: 'PyInit_x' }, { name: 'x', initSymbol: 'PyInit_x' }] })).toThrow('module x is listed twice in the manifests');
  });
});
