export { createNodes, createNodesV2, findRecipeInPackages, readPyprojectFacts, PYPROJECT_GLOB } from './plugin';
export { inferProject, stepsFor, STEPS, STEP_FOR_PACKAGE, type NeededStep, type RecipeFinder, type StepName, type StepProject, type WasiPystackPluginOptions, type PyprojectFacts } from './infer';
