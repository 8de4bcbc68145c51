export { createNodes, createNodesV2, readPyprojectFacts, PYPROJECT_GLOB } from './plugin';
export { inferProject, stepsFor, STEPS, STEP_FOR_SOURCE, type StepName, type StepProject, type WasiPystackPluginOptions, type PyprojectFacts } from './infer';
