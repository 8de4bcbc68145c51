// Builds the tiny project with nothing but the packages' typed API (ES modules; plain Node, no Nx):
// python-wasi's output, a bundle, then a command module and a reactor.
// Usage (in a folder where the @wasi-pystack tarballs are installed): node build-with-api.mjs
import { join } from 'node:path';
import { buildPythonWasi } from '@wasi-pystack/python-wasi';
import { bundle } from '@wasi-pystack/stub-bundler';
import { link } from '@wasi-pystack/linker';

const root = process.cwd();
const out = (...p) => join(root, 'out', ...p);
const python = await buildPythonWasi({ workspaceRoot: root, outDir: out('python-wasi') });
const info = await bundle({ workspaceRoot: root, inputs: [python.outDir], project: join(root, 'tiny'), outDir: out('bundle') });
for (const kind of ['command', 'reactor']) {
  const { output, bytes } = await link({ workspaceRoot: root, inputs: [python.outDir], bundle: out('bundle'), kind, output: out(`tiny-${kind}.wasm`) });
  console.log(`built ${output} (${bytes} bytes, ${info.files} bundled files)`);
}
