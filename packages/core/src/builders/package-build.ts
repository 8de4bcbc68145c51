import { availableParallelism } from 'node:os';
import { runStepInto, type StepPhase } from '../engine/step-engine';
import { castAuditKey } from '../function-casts/audit';
import { getSource, readLock, type SourceEntry, type SourceLock } from '../lock';
import { log } from '../log';
import { readManifest, type BuildManifest } from '../manifest';
import { recipeContent, type Loaded, type RecipeFiles } from '../recipe-formats/loaded-recipe';
import { stepOutputIdentity } from '../step-cache';
import { resolveToolchain } from '../cxx-runtime/cxx-runtime';
import type { Toolchain } from '../toolchain';
import { ensureManifestBuildPython } from './build-python';

/**
 * The one prologue and epilogue of the builders of Python packages (meson, setuptools, C
 * extensions): what every such build reads before its phases (the lock, the toolchain, the
 * interpreter it compiles against and its build Python, the source), and the step it becomes: named
 * `<package>-wasm32-wasip1`, keyed by the recipe's content, the source, the patches, the toolchain,
 * the interpreter's identity, the cast audit and the builder's code, published to the target's output.
 */
export interface PackageBuildOptions {
  workspaceRoot: string;
  /** The interpreter's output folder (python-wasi's). */
  pythonWasi: string;
  /** The other upstream outputs, by the package name their manifests give (pandas: { numpy: 'dist/numpy-wasi' }). */
  upstream?: Record<string, string>;
  /** Where the output is copied (the Nx target's output). */
  outDir: string;
  jobs?: number;
}

/** A package recipe as every builder of packages reads it. */
export type PackageRecipe = Loaded<RecipeFiles & { package: string }>;

/** What the prologue found, for the builder's phases. */
export interface PackageBuild {
  jobs: number;
  lock: SourceLock;
  toolchain: Toolchain;
  /** The interpreter's manifest. */
  python: BuildManifest & { dir: string };
  /** The native build Python of that interpreter. */
  buildPython: string;
  source: SourceEntry;
  /** How logs name the build ("numpy 2.4.0"). */
  what: string;
}

/** The builder's part of the step: its code, what else decides the output, and its phases. */
export interface PackageStep {
  /** The builder's module files (core's codeIdentity follows their relative imports). */
  code: string[];
  inputs?: Record<string, unknown>;
  phases: StepPhase[];
}

/** Reads what every package build needs (see the module comment). */
export async function preparePackageBuild(recipe: PackageRecipe, options: PackageBuildOptions): Promise<PackageBuild> {
  const jobs = options.jobs ?? availableParallelism();
  const lock = readLock(options.workspaceRoot);
  const toolchain = await resolveToolchain(lock);
  const python = readManifest(options.pythonWasi);
  const buildPython = await ensureManifestBuildPython(python, lock, jobs);
  const source = getSource(lock, recipe.source);
  return { jobs, lock, toolchain, python, buildPython, source, what: `${recipe.package} ${source.version}` };
}

/** Runs a package's step on the engine (or finds it in the step cache) and publishes it to options.outDir. */
export async function runPackageStep(recipe: PackageRecipe, options: PackageBuildOptions, build: PackageBuild, step: PackageStep): Promise<{ outDir: string; version: string }> {
  await runStepInto(
    {
      step: `${recipe.package}-wasm32-wasip1`,
      what: build.what,
      recipe: recipeContent(recipe),
      source: build.source,
      patches: recipe.patchFiles,
      toolchain: build.toolchain,
      code: [__filename, ...step.code],
      inputs: { python: stepOutputIdentity(options.pythonWasi), ...step.inputs, casts: castAuditKey(recipe.castAllowListFile ?? '') },
      phases: step.phases,
    },
    options.outDir,
    { workspace: options.workspaceRoot },
  );
  log(`${build.what} for wasm32-wasip1 -> ${options.outDir}`);
  return { outDir: options.outDir, version: build.source.version };
}
