import { WasiPystackError } from '../errors';
import { lockPath, readLock } from '../lock';
import { log } from '../log';
import { stepSources } from '../registry/project-steps';
import { buildsInterpreter, type StepRegistry } from '../registry/step-registry';
import { addToLock } from './lock-additions';
import { wasiMarkerEnvironment } from './markers';
import { resolvePins, type LockAddition } from './resolve-pins';
import { lockIndexUrl, simpleIndex, type PackageIndex } from './simple-index';

/**
 * The lock command: a project's pins (its pyproject.toml dependencies) resolved for the module's
 * interpreter and written into the workspace's deps/sources.lock.json. CI never runs it: the lock
 * stays the one source of pins, and builds only read it.
 */
export interface LockProjectOptions {
  workspaceRoot: string;
  /** The project's dependencies as its pyproject.toml lists them. */
  dependencies: string[];
  /** What the project is called in messages. */
  project: string;
  registry: StepRegistry;
  /** Default: the index lockIndexUrl() names. */
  index?: PackageIndex;
  /** Resolve and report, but leave the lock as it is. */
  dryRun?: boolean;
}

export async function lockProject(options: LockProjectOptions): Promise<{ added: LockAddition[]; lockFile: string }> {
  const lock = readLock(options.workspaceRoot);
  const lockFile = lockPath(options.workspaceRoot);
  if (lock.path !== lockFile) throw new WasiPystackError(`${options.workspaceRoot} has no lock of its own (${lockFile})`, `copy the packages' lock there first (cp ${lock.path} ${lockFile}), then run the lock command again`);
  const steps = [...options.registry.steps.values()];
  const interpreter = steps.find(buildsInterpreter);
  if (!interpreter) throw new WasiPystackError('no registered step builds the interpreter', 'register the interpreter step (python-wasi)');
  const pythonVersion = lock.sources[stepSources(interpreter).default]?.version;
  if (!pythonVersion) throw new WasiPystackError(`the lock pins no source for ${interpreter.step}`, `pin it in ${lockFile}`);
  const builtByStep = new Set(steps.flatMap((s) => Object.values(stepSources(s))));
  const index = options.index ?? simpleIndex(lockIndexUrl());
  const { added } = await resolvePins(options.dependencies, { lock, index, environment: wasiMarkerEnvironment(pythonVersion), builtByStep });
  if (!options.dryRun) addToLock(lockFile, added);
  log(added.length ? `${options.project}: ${options.dryRun ? 'would pin' : 'pinned'} ${added.map((a) => `${a.key}==${a.entry.version}`).join(', ')} in ${lockFile}` : `${options.project}: every pin is in ${lockFile} already`);
  return { added, lockFile };
}
