import { findPinned, requiredClosure, type SourceLock } from '../lock';
import { buildsInterpreter, DEFAULT_CONFIGURATION, stepRecipe, upstreamClosure, type RegisteredStep, type StepRegistry } from './step-registry';

// Which steps a project needs: read from its pins, the lock and the recipes of the registry.

/** The lock key a step's recipe builds in each of its configurations. */
export function stepSources(step: RegisteredStep): Record<string, string> {
  return Object.fromEntries(Object.keys(step.configurations).map((c) => [c, stepRecipe(step, c).recipe.source]));
}

/**
 * The steps a project needs for its pinned dependencies, in build order, with the configuration of
 * each that builds the pinned version: the first step builds CPython; a dependency (or what its lock
 * entry requires) that a step's recipe builds brings that step and its upstream steps.
 */
export function stepsForDependencies(registry: StepRegistry, lock: SourceLock, dependencies: string[]): { step: string; configuration: string; source: string }[] {
  const PIN = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;,]+)/;
  const keys = dependencies.map((d) => PIN.exec(d)).flatMap((m) => (m ? [findPinned(lock, m[1], m[2])?.name] : [])).filter((k): k is string => !!k);
  const wanted = new Map<string, { configuration: string; source: string }>();
  // Each step's recipes are read once: which lock key each configuration builds.
  const sources = new Map([...registry.steps.values()].map((s) => [s.step, stepSources(s)]));
  const builders = [...sources].flatMap(([step, byConfiguration]) => Object.entries(byConfiguration).map(([configuration, source]) => ({ step, configuration, source })));
  const python = [...registry.steps.values()].find(buildsInterpreter);
  if (python) wanted.set(python.step, { configuration: DEFAULT_CONFIGURATION, source: sources.get(python.step)![DEFAULT_CONFIGURATION] });
  for (const key of requiredClosure(lock, keys)) {
    const builder = builders.find((b) => b.source === key);
    if (!builder) continue;
    wanted.set(builder.step, { configuration: builder.configuration, source: key });
    for (const u of upstreamClosure(registry, builder.step)) if (!wanted.has(u)) wanted.set(u, { configuration: DEFAULT_CONFIGURATION, source: sources.get(u)![DEFAULT_CONFIGURATION] });
  }
  // An upstream step follows its dependent's configuration when it has one of that name (pandas-3 -> numpy 2.5).
  for (const [name, w] of wanted) {
    for (const u of upstreamClosure(registry, name)) {
      const own = sources.get(u)![w.configuration];
      if (w.configuration !== DEFAULT_CONFIGURATION && own) wanted.set(u, { configuration: w.configuration, source: own });
    }
  }
  return [...registry.steps.keys()].filter((n) => wanted.has(n)).map((step) => ({ step, ...wanted.get(step)! }));
}

