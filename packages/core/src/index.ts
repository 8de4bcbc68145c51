// @wasi-pystack/core's public API, by name. Everything else under src/ is internal and free to change;
// tests/packages/installed-packages.test.ts proves that this surface is enough for the other packages,
// the tools and a workspace that installs the packages.

// ---- errors, logs, commands ----
export { CommandError, reportFailure, WasiPystackError } from './errors';
export { log, timed } from './log';
export { queryCommand, runAll, runCommand, type Command, type RunOptions } from './run';

// ---- sources: the lock, the registries, fetching ----
export { BUNDLED_LOCK, findPinned, getSource, lockPath, normalizePackageName, packageOf, parseLock, pinnedVersions, readLock, requiredClosure, type SourceEntry, type SourceLock } from './lock';
export { resolveRegistries, type RegistryConfig } from './package-registries';
export { fetchSource, sha256File } from './fetch';

// ---- the workspace: its facts, root, cache and outputs ----
export {
  APT_PACKAGES, bundleDir, cacheRoot, CONFIGURATION_NAMES, distLayout, LLVM_BIN, LLVM_VERSION, modulePath, nativeVenvPython, PROJECT_NAME, readWorkspaceFacts,
  sourcesDir, STEP_NAMES, stepOutputDir, stepsDir, toolchainsDir, venvDir, venvPython, WASMTIME_PYTHON_PIN, wasmtimeCacheDir, workspaceFacts, writeWorkspaceFacts,
  type ConfigurationName, type DistLayout, type WorkspaceFacts,
} from './workspace-facts';
export { findWorkspaceRoot } from './workspace-root';
export { cachedStep, readStepRecord, stepOutputIdentity, type StepSpec } from './step-cache';
export { planPrune, prune, type PruneCandidate } from './cache-hygiene';
export { doctorChecks, type DoctorCheck } from './doctor';
export { prefixMapFlags } from './build-paths';

// ---- the toolchain ----
export { BUILD_TOOLS, resolveBaseToolchain, TARGET_TRIPLE, type Toolchain } from './toolchain';
export { resolveToolchain } from './cxx-runtime/cxx-runtime';

// ---- manifests: the contract between steps, the bundler and the linker ----
export { MANIFEST_FILE, readManifest, requireBuildPython, writeManifest, type BuildManifest, type BuiltinModule, type PythonRoot } from './manifest';

// ---- steps: the registry, the one executor, the engine ----
export {
  BUILDERS, buildRegisteredStep, buildRegisteredStepLibraries, buildsInterpreter, configurationOf, DEFAULT_CONFIGURATION, getStep, PACKAGE_STEP_FIELD, parseStepFile, readStepFile,
  STEP_FILE, STEP_FORMAT, stepHasOwnLibraries, stepRecipe, stepRegistry, upstreamClosure, withRecipe,
  type BuilderName, type BuildStepOptions, type LoadedStepRecipe, type RegisteredStep, type StepFile, type StepRegistry,
} from './registry/step-registry';
export { stepsForDependencies, stepSources } from './registry/project-steps';
export { normalizeStepExecutorOptions, resolveStepFileOption, stepCompileExecutor, type StepExecutorOptions } from './registry/step-executor';
export { buildPackagedStep, findPackageJson, packagedStep, packagedStepFile } from './registry/packaged-steps';
export { runStep, runStepInto, type StepContext, type StepDefinition, type StepPhase, type StepResult } from './engine/step-engine';
export { codeIdentity } from './engine/code-identity';

// ---- recipe formats (read through stepRecipe) ----
export { parseCPythonRecipe, type CPythonRecipe, type LoadedCPythonRecipe } from './recipe-formats/cpython-recipe';
export { parseMesonRecipe, type LoadedMesonRecipe, type MesonPackageRecipe } from './recipe-formats/meson-recipe';
export { parseSetuptoolsRecipe, type LoadedSetuptoolsRecipe, type SetuptoolsRecipe } from './recipe-formats/setuptools-recipe';
export { parseCExtensionRecipe, type CExtensionRecipe, type LoadedCExtensionRecipe } from './recipe-formats/c-extension-recipe';
export { parseLibraryRecipes, readLibraryRecipes, type LibraryRecipe, type LibraryRecipes } from './builders/c-libraries';

// ---- builders (what buildRegisteredStep calls; each usable alone) ----
export { buildCPython, type CPythonOptions } from './builders/cpython';
export { buildMesonPackage } from './builders/meson';
export { type MesonBuildContext, type MesonBuildHooks } from './builders/meson-hooks';
export { buildSetuptoolsPackage, SETUPTOOLS_HELPERS_DIR } from './builders/setuptools';
export { buildCExtensionPackage } from './builders/c-extension';
export { buildLibraryPrefix, planLibrary, type LibraryPrefixOptions } from './builders/c-libraries';
export { ensureManifestBuildPython } from './builders/build-python';
export { type PackageBuildOptions } from './builders/package-build';
export { ownInitSymbol, staticInitSymbol } from './static-link/init-symbols';
export { type ExtensionModule } from './static-link/extensions';

// ---- the function-cast audit ----
export { auditFunctionCasts, castAuditMode, readAllowList, type FunctionCastAudit } from './function-casts/audit';
export { FUNCTION_CAST_WARNING_FLAGS } from './function-casts/cast-warnings';

// ---- the lock command: a project's pins resolved from the index into the lock ----
export { lockProject, type LockProjectOptions } from './pypi/lock-project';
export { resolvePins, parseRequirement, type LockAddition, type Requirement } from './pypi/resolve-pins';
export { simpleIndex, lockIndexUrl, type PackageIndex, type IndexFile } from './pypi/simple-index';
export { wasiMarkerEnvironment, evaluateMarker } from './pypi/markers';
