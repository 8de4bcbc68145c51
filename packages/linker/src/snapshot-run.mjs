// Runs a reactor's initialization for its snapshot, in a process of its own (snapshot.ts starts it;
// its stdout and stderr are the step's log):
//   node snapshot-run.mjs MODULE STATE_PREFIX INIT_EXPORT GLOBAL_EXPORT_PREFIX
// MODULE (with its mutable globals exported, snapshot-image.ts) runs under node:wasi with no
// arguments, environment or directories; INIT_EXPORT is called; the memory is written to
// STATE_PREFIX.memory and the globals' values to STATE_PREFIX.globals.json. Plain JavaScript, so
// it runs the same from the sources and from the published package.
// V8 runs WebAssembly exception handling (legacy from Node 20, exnref from 22), so modules with
// C++ exceptions snapshot here.
import { readFileSync, writeFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [modulePath, statePrefix, initExport, globalPrefix] = process.argv.slice(2);

// node:wasi's imports, each called through a JavaScript function: V8 otherwise calls them through
// its fast API path, where a WASI call that starts a garbage collection crashes Node 20 and 22
// (docs/hosts.md).
function wrappedImports(wasi) {
  const imports = wasi.getImportObject();
  return Object.fromEntries(Object.entries(imports).map(([module, fns]) => [module, Object.fromEntries(Object.entries(fns).map(([name, fn]) => [name, (...args) => fn(...args)]))]));
}

try {
  const wasi = new WASI({ version: 'preview1', args: [], env: {}, preopens: {} });
  const { instance } = await WebAssembly.instantiate(readFileSync(modulePath), wrappedImports(wasi));
  const init = instance.exports[initExport];
  if (typeof init !== 'function') throw new Error(`the module exports no function ${initExport}`);
  const memory = instance.exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('the module exports no memory named "memory"');
  wasi.initialize(instance);
  init();
  const globals = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    if (name.startsWith(globalPrefix)) globals[name.slice(globalPrefix.length)] = String(value.value);
  }
  writeFileSync(`${statePrefix}.memory`, new Uint8Array(memory.buffer));
  writeFileSync(`${statePrefix}.globals.json`, JSON.stringify(globals));
} catch (e) {
  process.stderr.write(`wasi-pystack snapshot: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}
