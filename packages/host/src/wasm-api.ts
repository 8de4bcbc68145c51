// The part of the WebAssembly JavaScript API the host uses, typed here: the workspace compiles
// without the DOM library (where TypeScript declares WebAssembly), and so may its users.

/** A compiled WebAssembly.Module (opaque; it can be posted to workers). */
export interface CompiledModule {
  readonly [Symbol.toStringTag]: string;
}

interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<CompiledModule>;
  Module: { exports(module: CompiledModule): { name: string; kind: string }[] };
}

export const Wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
