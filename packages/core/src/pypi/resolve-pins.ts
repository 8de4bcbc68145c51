import { WasiPystackError } from '../errors';
import { normalizePackageName, packageOf, type SourceEntry, type SourceLock } from '../lock';
import { evaluateMarker, type MarkerEnvironment } from './markers';
import { fileVersion, isPureWheel, parseWheelName, requiresDist, type IndexFile, type PackageIndex } from './simple-index';
import { allowsPreReleases, compareVersions, isPreRelease, parseVersion, satisfies } from './versions';

/**
 * Resolves a project's pins for the lock: each pin (`name==version`) and what it requires at run time
 * (its wheel's Requires-Dist, markers evaluated for CPython on wasm32-wasip1), transitively. A package
 * is taken from the lock when an entry there satisfies the requirement and is either a pure wheel or
 * a source a registered step builds; otherwise from the index, as a pure wheel (py3-none-any) of the
 * newest release that satisfies it. A package with no such wheel and no step that builds it is an
 * error naming it: the lock command never pins what the module could not import.
 */
export interface Requirement {
  name: string;
  extras: string[];
  specifier: string;
  marker?: string;
}

const REQUIREMENT = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(?:\(([^)]*)\)|([^;@]*))?\s*(?:;\s*(.+))?$/;

/** A PEP 508 requirement ("Jinja2[i18n] (>=3.0)", "six>=1.9; python_version < '4'"); URL requirements are refused. */
export function parseRequirement(text: string): Requirement {
  if (/^[^;]*@/.test(text)) throw new WasiPystackError(`the requirement '${text}' names a URL`, 'pin the package by version (name==version) instead');
  const m = REQUIREMENT.exec(text);
  if (!m) throw new WasiPystackError(`cannot read the requirement '${text}'`, 'write it as PEP 508 describes (name==version)');
  return {
    name: normalizePackageName(m[1]),
    extras: (m[2] ?? '').split(',').map((e) => normalizePackageName(e.trim())).filter(Boolean),
    specifier: (m[3] ?? m[4] ?? '').replace(/\s+/g, ''),
    ...(m[5] ? { marker: m[5].trim() } : {}),
  };
}

export interface ResolveContext {
  lock: SourceLock;
  index: PackageIndex;
  environment: MarkerEnvironment;
  /** Lock keys of the sources the registered steps build (numpy, pandas, ...): compiled, and fine. */
  builtByStep: Set<string>;
}

/** A lock entry the resolver adds. */
export interface LockAddition {
  key: string;
  entry: Omit<SourceEntry, 'name'>;
}

export interface Resolution {
  /** Entries to add to the lock, in the order they were resolved. */
  added: LockAddition[];
  /** Lock keys of every pin and what it requires, already pinned or added. */
  keys: string[];
}

const pureWheelEntry = (e: SourceEntry) => {
  const wheel = parseWheelName(e.file);
  return Boolean(wheel && isPureWheel(wheel));
};

/** Resolves top-level pins (each `name==version`, optionally with a marker); see the module comment. */
export async function resolvePins(pins: string[], ctx: ResolveContext): Promise<Resolution> {
  const added: LockAddition[] = [];
  const chosen = new Map<string, { key: string; version: string }>();
  const pythonVersion = ctx.environment.python_full_version;

  const lockKeyFor = (name: string, version: string) => {
    const taken = new Set([...Object.keys(ctx.lock.sources), ...added.map((a) => a.key)]);
    return taken.has(name) ? `${name}-${version}` : name;
  };

  const resolve = async (req: Requirement, from: string): Promise<string> => {
    const known = chosen.get(req.name);
    if (known) {
      if (!satisfies(known.version, req.specifier)) throw new WasiPystackError(`${from} requires ${req.name}${req.specifier}, and ${req.name} ${known.version} is already chosen`, `pin a version of ${req.name} that satisfies both in the project's dependencies`);
      return known.key;
    }
    // Already in the lock: a pure wheel, or a source a step builds.
    const pinned = Object.values(ctx.lock.sources)
      .filter((e) => packageOf(e) === req.name && satisfies(e.version, req.specifier) && (pureWheelEntry(e) || ctx.builtByStep.has(e.name)))
      .sort((a, b) => compareVersions(parseVersion(b.version)!, parseVersion(a.version)!));
    if (pinned.length) {
      chosen.set(req.name, { key: pinned[0].name, version: pinned[0].version });
      for (const r of pinned[0].requires ?? []) {
        const entry = ctx.lock.sources[r];
        if (entry) chosen.set(packageOf(entry), { key: r, version: entry.version });
      }
      return pinned[0].name;
    }
    const files = (await ctx.index.files(req.name)).filter((f) => !f.requiresPython || satisfies(pythonVersion, f.requiresPython));
    const byVersion = new Map<string, IndexFile[]>();
    for (const f of files) {
      const v = fileVersion(req.name, f.filename);
      if (v && parseVersion(v)) byVersion.set(v, [...(byVersion.get(v) ?? []), f]);
    }
    const exact = req.specifier.startsWith('==');
    const versions = [...byVersion.keys()]
      .filter((v) => satisfies(v, req.specifier))
      .filter((v) => exact || allowsPreReleases(req.specifier) || !isPreRelease(parseVersion(v)!))
      .filter((v) => exact || byVersion.get(v)!.some((f) => !f.yanked))
      .sort((a, b) => compareVersions(parseVersion(b)!, parseVersion(a)!));
    if (!versions.length) {
      const where = files.length ? `its releases (${[...byVersion.keys()].slice(-5).join(', ')}, ...)` : 'the index, which has no such project';
      throw new WasiPystackError(`${from} requires ${req.name}${req.specifier}, and no release in ${where} matches`, `pin a version of ${req.name} the index has`);
    }
    const pureWheel = (v: string) => byVersion.get(v)!.find((f) => { const w = parseWheelName(f.filename); return w && isPureWheel(w); });
    const version = versions.find((v) => pureWheel(v));
    if (!version) {
      const files = byVersion.get(versions[0])!.map((f) => f.filename);
      const wheels = files.filter((f) => f.endsWith('.whl'));
      throw new WasiPystackError(
        `${req.name} ${versions[0]} (required by ${from}) has no pure-Python wheel, and no step builds it`,
        `add a step (wasi-step.json and a recipe) that builds ${req.name} for wasm32-wasip1, or pin a version with a py3-none-any wheel`,
        [...files.filter((f) => !f.endsWith('.whl')).map((f) => `${f}: a source distribution`), ...(wheels.length ? [`${wheels.length} compiled wheel(s): ${wheels[0]}${wheels.length > 1 ? ', ...' : ''}`] : [])],
      );
    }
    const wheel = pureWheel(version)!;
    const key = lockKeyFor(req.name, version);
    chosen.set(req.name, { key, version });
    const addition: LockAddition = { key, entry: { ...(key !== req.name ? { package: req.name } : {}), version, file: wheel.filename, sha256: wheel.sha256, mirrors: [`pypi:${req.name}/${wheel.filename}`] } };
    added.push(addition);
    const needs: string[] = [];
    for (const line of requiresDist(await ctx.index.metadata(wheel))) {
      const dep = parseRequirement(line);
      const wanted = (extra: string) => !dep.marker || evaluateMarker(dep.marker, { ...ctx.environment, extra });
      if (!wanted('') && !req.extras.some(wanted)) continue;
      needs.push(await resolve(dep, `${req.name} ${version}`));
    }
    if (needs.length) addition.entry.requires = [...new Set(needs)];
    return key;
  };

  const keys: string[] = [];
  for (const pin of pins) {
    const req = parseRequirement(pin);
    if (req.marker && !evaluateMarker(req.marker, ctx.environment)) continue;
    if (!/^==[^,*]+$/.test(req.specifier)) throw new WasiPystackError(`the dependency '${pin}' is not a pin`, `pin it to one version: ${req.name}==<version>`);
    keys.push(await resolve(req, 'the project'));
  }
  return { added, keys };
}
