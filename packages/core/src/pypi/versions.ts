/**
 * PEP 440 versions and specifiers, as far as resolving pins needs them: parse, order, and match a
 * specifier set ("~=2.0,!=2.1.*,<3"). Local versions ("+abc") compare by their public part.
 */
export interface Version {
  epoch: number;
  release: number[];
  /** a, b or rc with its number. */
  pre?: [string, number];
  post?: number;
  dev?: number;
}

const VERSION = /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?(?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d*)))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$/i;
const PRE: Record<string, string> = { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc' };

/** The version, or undefined when it is not PEP 440 (such a release is never chosen). */
export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  return {
    epoch: m[1] ? Number(m[1]) : 0,
    release: m[2].split('.').map(Number),
    ...(m[3] ? { pre: [PRE[m[3].toLowerCase()], Number(m[4] || 0)] as [string, number] } : {}),
    ...(m[5] || m[6] ? { post: Number(m[5] || m[7] || 0) } : {}),
    ...(m[8] !== undefined ? { dev: Number(m[8] || 0) } : {}),
  };
}

export const isPreRelease = (v: Version) => v.pre !== undefined || v.dev !== undefined;

const PRE_ORDER = ['a', 'b', 'rc'];

/** Negative, zero or positive, as a sorts before, with or after b. */
export function compareVersions(a: Version, b: Version): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (d) return d;
  }
  // dev of a plain release < pre-releases < the release < post-releases.
  const stage = (v: Version) => (v.pre ? PRE_ORDER.indexOf(v.pre[0]) : v.post === undefined && v.dev !== undefined ? -1 : 3);
  if (stage(a) !== stage(b)) return stage(a) - stage(b);
  if (a.pre && b.pre && a.pre[1] !== b.pre[1]) return a.pre[1] - b.pre[1];
  const post = (v: Version) => v.post ?? -1;
  if (post(a) !== post(b)) return post(a) - post(b);
  const dev = (v: Version) => v.dev ?? Infinity;
  return dev(a) === dev(b) ? 0 : dev(a) < dev(b) ? -1 : 1;
}

function matchesOne(version: Version, op: string, target: string): boolean {
  if (op === '===') return false; // arbitrary equality: never chosen by the resolver
  if ((op === '==' || op === '!=') && target.endsWith('.*')) {
    const prefix = parseVersion(target.slice(0, -2));
    if (!prefix) return false;
    const same = prefix.epoch === version.epoch && prefix.release.every((n, i) => (version.release[i] ?? 0) === n);
    return op === '==' ? same : !same;
  }
  const t = parseVersion(target);
  if (!t) return false;
  const c = compareVersions(version, t);
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0 && !(t.post === undefined && version.post !== undefined && compareVersions({ ...version, post: undefined }, t) === 0);
    case '<':
      return c < 0 && !(!isPreRelease(t) && isPreRelease(version) && compareVersions({ ...version, pre: undefined, dev: undefined }, t) === 0);
    case '~=': {
      // ~=2.2.1 means >=2.2.1, ==2.2.*
      const prefix = t.release.slice(0, Math.max(1, t.release.length - 1));
      return c >= 0 && prefix.every((n, i) => (version.release[i] ?? 0) === n) && version.epoch === t.epoch;
    }
    default:
      return false;
  }
}

const CLAUSE = /^\s*(===|==|!=|~=|>=|<=|>|<)\s*([^\s,]+)\s*$/;

/** Whether a version satisfies a specifier set ("" matches every version). Unknown clauses match nothing. */
export function satisfies(version: string, specifiers: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  return specifiers
    .split(',')
    .filter((s) => s.trim())
    .every((clause) => {
      const m = CLAUSE.exec(clause);
      return m ? matchesOne(v, m[1], m[2]) : false;
    });
}

/** Whether a specifier set names a pre-release itself (then pre-releases may be chosen). */
export const allowsPreReleases = (specifiers: string) => specifiers.split(',').some((s) => {
  const m = CLAUSE.exec(s);
  const v = m && parseVersion(m[2].replace(/\.\*$/, ''));
  return Boolean(v && isPreRelease(v));
});
