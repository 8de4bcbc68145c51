import { describe, expect, it } from 'vitest';
import { generateGlue, GENERATED_MARKER } from './glue';

describe('generateGlue', () => {
  const glue = generateGlue({
    modules: [
      { name: 'numpy._core._multiarray_umath', initSymbol: 'PyInit_numpy__core__multiarray_umath' },
      { name: 'pandas._libs.tslibs.base', initSymbol: 'PyInit_pandas__libs__tslibs__base' },
    ],
    bundleFile: '/out/bundle.bin',
    importerFile: '/out/bundle_importer.py',
    entry: { module: 'hello', function: 'main' },
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

  it('embeds the bundle and the importer source (NUL-terminated) and names the entry', () => {
    expect(glue).toContain('#embed "/out/bundle.bin"');
    expect(glue).toContain('#embed "/out/bundle_importer.py" suffix(, 0)');
    expect(glue).toContain('const char wasi_pystack_entry_module[] = "hello";');
    expect(glue).toContain('const char wasi_pystack_entry_function[] = "main";');
  });

  it('rejects init symbols that are not C identifiers and duplicate modules', () => {
    const base = { bundleFile: 'b', importerFile: 'i' };
    expect(() => generateGlue({ ...base, modules: [{ name: 'a.b', initSymbol: 'PyInit_a.b' }] })).toThrow("module a.b: init symbol 'PyInit_a.b' is not a C identifier");
    expect(() => generateGlue({ ...base, modules: [{ name: 'x', initSymbol: 'PyInit_x' }, { name: 'x', initSymbol: 'PyInit_x' }] })).toThrow('module x is listed twice in the manifests');
  });

  it('lists the preimports (NULL-terminated) and the snapshot hash secret', () => {
    const g = generateGlue({ modules: [], bundleFile: 'b', importerFile: 'i', entry: { module: 'r', function: 'main' }, preimport: ['numpy', 'pandas.io.json'], hashSeed: 12345 });
    expect(g).toContain('const char *const wasi_pystack_preimport[] = {"numpy", "pandas.io.json", NULL};');
    expect(g).toContain('const unsigned long wasi_pystack_hash_seed = 12345UL;');
    expect(glue).toContain('const char *const wasi_pystack_preimport[] = {NULL};');
    expect(() => generateGlue({ modules: [], bundleFile: 'b', importerFile: 'i', preimport: ['os; import x'] })).toThrow("preimport 'os; import x' is not a dotted module name");
  });

  it("starts the interpreter at the bundle's optimization level (0 unless given)", () => {
    expect(glue).toContain('const int wasi_pystack_optimization_level = 0;');
    expect(generateGlue({ modules: [], bundleFile: 'b', importerFile: 'i', optimizationLevel: 2 })).toContain('const int wasi_pystack_optimization_level = 2;');
    expect(() => generateGlue({ modules: [], bundleFile: 'b', importerFile: 'i', optimizationLevel: 3 })).toThrow('optimization level 3 is not 0, 1 or 2');
  });
});
