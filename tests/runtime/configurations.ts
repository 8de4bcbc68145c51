import { distLayout, stepOutputDir, type ConfigurationName } from '@wasi-pystack/core';

/**
 * The configurations this repository builds from the same packages, and where their modules are.
 * Runtime tests run for each, against native fixtures of the same NumPy and pandas versions
 * (tests/fixtures/make_fixtures.py <configuration>).
 */
export interface Configuration {
  name: ConfigurationName;
  /** Folder of python-numpy.wasm and python-pandas.wasm, relative to the repository. */
  modules: string;
  /** dist/numpy-wasi of this configuration (its static libraries), relative to the repository. */
  numpyDist: string;
  numpy: string;
  pandas: string;
}

export const CONFIGURATIONS: Configuration[] = [
  { name: 'default', modules: distLayout('default').modules, numpyDist: stepOutputDir('numpy-wasi', 'default'), numpy: '2.4.0', pandas: '2.3.3' },
  { name: 'pandas3', modules: distLayout('pandas3').modules, numpyDist: stepOutputDir('numpy-wasi', 'pandas3'), numpy: '2.5.5', pandas: '3.1.1' },
];
