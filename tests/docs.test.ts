// The documents name things that exist (issue 33, "documents are checked"): every repository path in
// backticks, every `npm run` script, and every `nx run project:target[:configuration]` in README.md,
// docs/*.md and the packages' READMEs. Projects, targets and configurations come from the plugin's
// own inference over this workspace, so a renamed step or a dropped configuration fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodes } from '@wasi-pystack/nx-plugin';

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
