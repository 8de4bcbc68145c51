// The documents name things that exist (issue 33, "documents are checked"): every repository path in
// backticks, every `npm run` script, and every `nx run project:target[:configuration]` in README.md,
// docs/*.md and the packages' READMEs. Projects, targets and configurations come from the plugin's
// own inference over this workspace, so a renamed step or a dropped configuration fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodes } from '@wasi-pystack/nx-plugin';
// @ts-expect-error: a plain ES module of tools/, without types
import { builtModuleSizes, packageStepFiles, readFigures, regenerate, renderBlocks } from '../tools/docs-figures.mjs';
import { stepRegistry } from '@wasi-pystack/core';

const ROOT = join(__dirname, '..');
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'packages')).map((p) => `packages/${p}/README.md`).filter((f) => existsSync(join(ROOT, f))),
];
/** Projects that documents make in their own examples (the README's consumer workspace). */
const MADE_BY_THE_EXAMPLE = new Set(['report']);

const read = (doc: string) => readFileSync(join(ROOT, doc), 'utf8');

/** Every file of the workspace the plugin reads (step files, pyproject.toml), relative to the root. */
function pluginFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return ['node_modules', 'dist', '.git', '.nx', 'experiments'].includes(e.name) ? [] : pluginFiles(join(dir, e.name));
    return e.name === 'wasi-step.json' || e.name === 'pyproject.toml' ? [relative(ROOT, join(dir, e.name))] : [];
  });
}

/** project -> target -> its configurations, as the plugin infers them, plus project.json targets. */
async function inferredTargets(): Promise<Map<string, Map<string, Set<string>>>> {
  const [, createNodesFunction] = createNodes;
  const options = JSON.parse(read('nx.json')).plugins[0].options;
  const results = await createNodesFunction(pluginFiles(), options, { workspaceRoot: ROOT, nxJsonConfiguration: {}, configFiles: [] } as never);
  const projects = new Map<string, Map<string, Set<string>>>();
  const add = (name: string, targets: Record<string, { configurations?: Record<string, unknown> }>) => {
    const known = projects.get(name) ?? new Map<string, Set<string>>();
    for (const [target, t] of Object.entries(targets)) known.set(target, new Set([...(known.get(target) ?? []), ...Object.keys(t.configurations ?? {})]));
    projects.set(name, known);
  };
  for (const [, result] of results) for (const p of Object.values(result.projects) as { name: string; targets: Record<string, never> }[]) add(p.name, p.targets);
  for (const dir of ['test-projects/test-suites']) {
    const project = JSON.parse(read(`${dir}/project.json`));
    add(project.name, project.targets);
  }
  return projects;
}

describe('the documents', () => {
  it('name repository paths that exist', () => {
    const missing = DOCUMENTS.flatMap((doc) =>
      [...read(doc).matchAll(/`((?:packages|tests|tools|docs|deps|bench|test-projects|experiments)\/[A-Za-z0-9_.\-/]+)`/g)]
        .map((m) => m[1].replace(/[.,:;]+$/, ''))
        .filter((path) => !existsSync(join(ROOT, path)))
        .map((path) => `${doc}: ${path}`),
    );
    expect(missing).toEqual([]);
  });

  it("name each package's own files (core/src/..., or src/, recipes/, patches/ in its README) that exist", () => {
    const packages = readdirSync(join(ROOT, 'packages'));
    const missing = DOCUMENTS.flatMap((doc) => {
      const own = doc.startsWith('packages/') ? doc.split('/')[1] : undefined;
      return [...read(doc).matchAll(/`([a-z][a-z0-9-]*\/[A-Za-z0-9_.\-/]+\.[a-z]+)`/g)]
        .map((m) => m[1])
        .flatMap((path) => {
          const first = path.split('/')[0];
          if (packages.includes(first)) return [[path, `packages/${path}`]];
          if (first === 'dist' || existsSync(join(ROOT, first))) return []; // the workspace's (checked above) or a build's
          // In a package's README: its own folders, and any TypeScript file, relative to the package or its src/.
          if (own && (existsSync(join(ROOT, 'packages', own, first)) || existsSync(join(ROOT, 'packages', own, 'src', first)) || path.endsWith('.ts'))) return [[path, `packages/${own}/${path}`, `packages/${own}/src/${path}`]];
          return [];
        })
        .filter(([, ...full]) => !full.some((f) => existsSync(join(ROOT, f))))
        .map(([path]) => `${doc}: ${path}`);
    });
    expect(missing).toEqual([]);
  });

  it('name packages, executors and executor options that exist', () => {
    const packages = new Map(readdirSync(join(ROOT, 'packages')).filter((p) => existsSync(join(ROOT, 'packages', p, 'package.json'))).map((p) => [JSON.parse(read(`packages/${p}/package.json`)).name as string, p]));
    const wrong = DOCUMENTS.flatMap((doc) => {
      const text = read(doc);
      const names = [...text.matchAll(/@wasi-pystack\/([a-z][a-z0-9-]*)(?::([a-z][a-z0-9-]*))?/g)].flatMap((m) => {
        const dir = packages.get(`@wasi-pystack/${m[1]}`);
        if (!dir) return [`${doc}: ${m[0]}: no such package`];
        if (!m[2]) return [];
        const executors = existsSync(join(ROOT, 'packages', dir, 'executors.json')) ? JSON.parse(read(`packages/${dir}/executors.json`)).executors : {};
        if (!executors[m[2]]) return [`${doc}: ${m[0]}: ${m[1]} has no executor ${m[2]}`];
        // "options `a`, `b`" in the same sentence names the executor's schema properties.
        const sentence = text.slice(m.index!, text.indexOf('.', m.index! + m[0].length + 1) + 1);
        const listed = /options? ((?:`[a-zA-Z]+`(?:, | and | or )?)+)/.exec(sentence)?.[1].match(/`([a-zA-Z]+)`/g)?.map((o) => o.slice(1, -1)) ?? [];
        const schema = JSON.parse(read(`packages/${dir}/${executors[m[2]].schema.replace(/^\.\/dist/, 'src')}`)).properties;
        return listed.filter((o) => !(o in schema)).map((o) => `${doc}: ${m[0]}: no option ${o} (it has ${Object.keys(schema).join(', ')})`);
      });
      return names;
    });
    expect(wrong).toEqual([]);
  });

  it('name steps the registry has', () => {
    const steps = new Set(stepRegistry(packageStepFiles()).steps.keys());
    const packages = new Set(readdirSync(join(ROOT, 'packages')));
    const unknown = DOCUMENTS.flatMap((doc) => [...read(doc).matchAll(/`([a-z0-9]+-wasi)`/g)].filter((m) => !steps.has(m[1]) && !packages.has(m[1])).map((m) => `${doc}: ${m[1]}`));
    expect(unknown).toEqual([]);
  });

  it('hold generated blocks as the registry and docs/figures.json render them (node tools/docs-figures.mjs)', () => {
    const stale = regenerate().filter((d: { text: string; next: string }) => d.next !== d.text).map((d: { file: string }) => relative(ROOT, d.file));
    expect(stale).toEqual([]);
    const used = new Set(regenerate().flatMap((d: { names: string[] }) => d.names));
    expect([...used].sort()).toEqual(Object.keys(renderBlocks()).sort());
  });

  it('see a stale figure put back into a generated block', () => {
    const configurations = regenerate().find((d: { file: string }) => d.file.endsWith('docs/configurations.md'));
    const staleDoc = configurations.text.replace(/\| `python-pandas\.wasm` \| [0-9.]+ MB/, '| `python-pandas.wasm` | 44.1 MB');
    expect(staleDoc).not.toBe(configurations.text);
    expect(staleDoc).not.toBe(configurations.next);
  });

  it('give the sizes of the modules as they are built, to the precision they show (node tools/docs-figures.mjs --record after a change)', () => {
    const figures = readFigures();
    const built = builtModuleSizes(figures);
    // The documents show 0.1 MB: a module whose shown size changed fails; bytes recorded from another
    // clone's build may differ by a path's length (numpy's __config__.py, see the closing note of issue 33).
    const shown = (bytes: number) => (bytes / 1e6).toFixed(1);
    const differ = Object.entries(figures.modules as Record<string, Record<string, number | null>>).flatMap(([c, modules]) =>
      Object.entries(modules).filter(([m, bytes]) => built[c][m] !== undefined && shown(built[c][m]) !== shown(bytes ?? 0)).map(([m, bytes]) => `${c}/${m}.wasm: recorded ${bytes}, built ${built[c][m]}`),
    );
    expect(differ).toEqual([]);
  });

  it('name npm scripts that exist', () => {
    const scripts = JSON.parse(read('package.json')).scripts;
    const missing = DOCUMENTS.flatMap((doc) => [...read(doc).matchAll(/npm run ([a-z][a-z:-]*[a-z])/g)].filter((m) => !(m[1] in scripts)).map((m) => `${doc}: npm run ${m[1]}`));
    expect(missing).toEqual([]);
  });

  it('name Nx projects, targets and configurations the plugin infers', async () => {
    const projects = await inferredTargets();
    const wrong = DOCUMENTS.flatMap((doc) =>
      [...read(doc).matchAll(/nx run ([a-z0-9-]+):([a-z0-9-]+)(?::([a-z0-9-]+))?/g)].flatMap(([whole, project, target, configuration]) => {
        if (MADE_BY_THE_EXAMPLE.has(project)) return [];
        const targets = projects.get(project);
        if (!targets) return [`${doc}: ${whole}: no project ${project}`];
        if (!targets.has(target)) return [`${doc}: ${whole}: ${project} has no target ${target} (it has ${[...targets.keys()].join(', ')})`];
        if (configuration && !targets.get(target)!.has(configuration)) return [`${doc}: ${whole}: ${project}:${target} has no configuration ${configuration}`];
        return [];
      }),
    );
    expect(wrong).toEqual([]);
  });
});
