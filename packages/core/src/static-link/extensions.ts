import { ownInitSymbol } from './init-symbols';
import { basename } from 'node:path';
import type { BuiltinModule } from '../manifest';
import { queryCommand } from '../run';
import { shellSplit } from '../meson/shell-split';

/**
 * WebAssembly for WASI has no dynamic loading, so a Python extension module becomes a static
 * archive of its object files, registered in CPython's inittab by the linker. Build systems still
 * describe extensions as shared modules; this reads meson's description, builds only the objects
 * and static helper libraries they need (never the shared-module link, which wasm-ld cannot do),
 * and archives them.
 */
export interface ExtensionModule extends BuiltinModule {
  /** Objects of this module, relative to the build dir. */
  objects: string[];
  /** Static libraries it links, relative to the build dir. */
  archives: string[];
  /** -l flags of its link line. */
  libs: string[];
}

interface MesonTarget {
  name: string;
  type: string;
  filename: string[];
  install_filename?: (string | null)[];
  installed: boolean;
}

/** Dotted module name from an install path: .../site-packages/numpy/_core/_x.cpython-313-...so */
export function moduleNameFromInstallPath(path: string): string {
  const rel = path.split(/\/(?:site|dist)-packages\//)[1];
  if (!rel) throw new Error(`cannot tell the module name of ${path}`);
  const dir = rel.split('/').slice(0, -1);
  return [...dir, basename(rel).split('.')[0]].join('.');
}

/** Reads an extension's link line (as ninja would run it) into objects, archives and -l flags. */
export function parseLinkCommand(command: string): { objects: string[]; archives: string[]; libs: string[] } {
  const argv = shellSplit(command);
  const objects: string[] = [];
  const archives: string[] = [];
  const libs: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-o') i++;
    else if (a.endsWith('.o')) objects.push(a);
    else if (a.endsWith('.a')) archives.push(a);
    else if (/^-l[\w+.-]+$/.test(a)) libs.push(a);
  }
  return { objects, archives, libs };
}

export interface ListExtensionsInput {
  buildDir: string;
  /** argv prefix that runs meson (e.g. [python, meson.py]). */
  meson: string[];
  ninja: string;
  env?: Record<string, string>;
  /** Transcript of the queries (meson introspect, ninja -t commands). */
  logFile?: string;
}

/** Every installed shared module meson would build, with its objects and libraries. */
export function listExtensionModules(input: ListExtensionsInput): ExtensionModule[] {
  const run = (argv: string[]) => queryCommand({ argv, cwd: input.buildDir, env: input.env }, { logFile: input.logFile });
  const targets = JSON.parse(run([...input.meson, 'introspect', '--targets', input.buildDir])) as MesonTarget[];
  const modules: ExtensionModule[] = [];
  for (const t of targets) {
    if (t.type !== 'shared module' || !t.installed || !t.install_filename?.[0]) continue;
    const output = t.filename[0].slice(input.buildDir.length + 1);
    const commands = run([input.ninja, '-t', 'commands', output]).trim().split('\n');
    const linkLine = commands[commands.length - 1];
    const name = moduleNameFromInstallPath(t.install_filename[0]);
    modules.push({ name, initSymbol: ownInitSymbol(name), ...parseLinkCommand(linkLine) });
  }
  return modules.sort((a, b) => a.name.localeCompare(b.name));
}
