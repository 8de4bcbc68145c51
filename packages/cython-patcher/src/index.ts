export { renameInitFunction, uniqueInitSymbol, type PatchResult } from './unique-init';
export { patchCythonFile, PATCH_MARKER } from './patch-files';
export { cythonize, cythonPython, type CythonizeOptions } from './cythonize';
export { cythonizeAndPatch, generatedCythonSources, mesonHooks, normalizeSharedUtilityPaths, sharedUtilitySources } from './meson-hook';
