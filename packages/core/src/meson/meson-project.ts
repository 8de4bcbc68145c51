import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildManifest } from '../manifest';
import { runAll } from '../run';
import type { Toolchain } from '../toolchain';
import { mesonCrossFile } from './meson-cross-file';
import { writeTargetPython } from '../static-link/target-python';

export interface MesonCrossInput {
  /** The step's work folder. */
  work: string;
  /** The python-wasi manifest (its folder is the target prefix). */
  python: BuildManifest & { dir: string };
  buildPython: string;
  toolchain: Toolchain;
  /** Verified wheels of the build tools (Cython, meson, ...), installed into a venv of the build Python. */
  toolWheels: string[];
  /** Extra [properties] of the cross file. */
  properties?: Record<string, string | boolean>;
  /** Arguments for every compile (the cross file's c_args/cpp_args). */
  compileArgs?: string[];
  /** PYTHONPATH for the build's commands (e.g. where Cython finds `cimport numpy`). */
  pythonPath?: string;
  /** pkg-config folders of wasm32 libraries the package links (a recipe's libraries); none: an empty one. */
  pkgConfigDirs?: string[];
  logFile: string;
}

export interface MesonCross {
  crossFile: string;
  /** The build Python answering for the target (the cross file's `python`). */
  targetPython: string;
  venv: string;
  /** Environment for meson and ninja: the venv's tools first on PATH. */
  env: Record<string, string>;
}

/**
 * Everything a meson cross build of a Python package needs before `meson setup`: the build tools in
 * a venv of the build Python, the target-python wrapper (which also sees those tools, as build
 * scripts such as pandas' Tempita generator run with it), a pkg-config path holding only the recipe's
 * wasm32 libraries, and the cross file.
 */
export async function prepareMesonCross(input: MesonCrossInput): Promise<MesonCross> {
  const venv = join(input.work, 'venv');
  await runAll(
    [
      { argv: [input.buildPython, '-m', 'venv', venv], cwd: input.work },
      { argv: [join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--no-index', '--no-deps', '--quiet', ...input.toolWheels], cwd: input.work },
    ],
    { logFile: input.logFile },
  );
  const pyVersion = input.python.facts.pyVersion;
  const targetPython = writeTargetPython({
    prefix: input.python.dir,
    pyVersion,
    buildPython: input.buildPython,
    outDir: input.work,
    extraPythonPath: [join(venv, 'lib', `python${pyVersion}`, 'site-packages')],
  });
  // Only the wasm32 libraries the recipe built: never the build machine's.
  const emptyPkgConfig = join(input.work, 'pkgconfig-empty');
  mkdirSync(emptyPkgConfig, { recursive: true });
  const pkgConfigLibdir = input.pkgConfigDirs?.length ? input.pkgConfigDirs.join(':') : emptyPkgConfig;
  const crossFile = join(input.work, 'wasm32-wasip1.cross');
  writeFileSync(crossFile, mesonCrossFile({ toolchain: input.toolchain, python: targetPython, pkgConfigLibdir, properties: input.properties, compileArgs: input.compileArgs }));
  const env: Record<string, string> = { PATH: `${join(venv, 'bin')}:${process.env.PATH}` };
  if (input.pythonPath) env.PYTHONPATH = input.pythonPath;
  return { crossFile, targetPython, venv, env };
}
