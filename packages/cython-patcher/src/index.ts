export { renameInitFunction, uniqueInitSymbol, type PatchResult } from './unique-init';
export { patchCythonFile, PATCH_MARKER } from './patch-files';
export { cythonize, type CythonizeOptions } from './cythonize';
