// @wasi-pystack/linker's public API, by name: link() and what its callers read or check of a module.
// Everything else (glue, snapshots, wasm editing, wasm-opt) is internal.
export { finishModule, link } from './link';
export { ALLOWED_IMPORT_MODULE, C_DIR, KIND_EXPORTS, maxMemoryPages, planLink, STACK_SIZE, type LinkOptions, type LinkPlan, type ModuleKind } from './plan';
export { DEFAULT_EXCEPTION_FORM, EXCEPTION_FORMS, exceptionForm, type ExceptionForm } from './exceptions';
export { wasmExports, wasmImports, wasmInitialMemoryBytes, wasmSections, type WasmImport, type WasmSection } from './wasm-imports';
export { setMemoryMaximum } from './wasm-edit';
export { decodeProjectData, PROJECT_DATA_MAGIC, type ProjectData } from './project-data';
