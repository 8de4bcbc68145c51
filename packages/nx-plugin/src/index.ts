export { createNodes, createNodesV2, readPyprojectFacts, workspaceRegistry, workspaceStepFiles, packagedStepFiles, PLUGIN_GLOB, PYPROJECT_GLOB } from './plugin';
export { inferProject, inferStepProject, configurationsOf, COMPILE_EXECUTOR, type InferContext, type WasiPystackPluginOptions, type PyprojectFacts } from './infer';
