export { createNodes, createNodesV2, readPyprojectFacts, workspaceRegistry, packagedStepFiles, PACKAGE_STEP_FIELD, PLUGIN_GLOB, PYPROJECT_GLOB } from './plugin';
export { inferProject, inferStepProject, configurationsOf, GENERIC_COMPILE_EXECUTOR, type InferContext, type WasiPystackPluginOptions, type PyprojectFacts } from './infer';
