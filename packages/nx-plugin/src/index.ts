export { createNodes, createNodesV2, readPyprojectFacts, workspaceRegistry, workspaceStepFiles, packagedStepFiles, PLUGIN_GLOB, PYPROJECT_GLOB } from './plugin';
export { lockCommand } from './lock-command';
export { inferProject, inferStepProject, configurationsOf, COMPILE_EXECUTOR, LOCK_EXECUTOR, type InferContext, type WasiPystackPluginOptions, type PyprojectFacts } from './infer';
