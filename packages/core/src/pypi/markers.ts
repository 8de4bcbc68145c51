import { WasiPystackError } from '../errors';
import { compareVersions, parseVersion } from './versions';

/**
 * PEP 508 environment markers, evaluated for the module's interpreter: CPython on wasm32-wasip1. A
 * dependency whose marker is false there (`sys_platform == "win32"`, `extra == "docs"`) is not
 * resolved. The Python version comes from the interpreter step's pinned source.
 */
export type MarkerEnvironment = Record<string, string>;

/** The marker environment of CPython <version> built for wasm32-wasip1, as its sys and platform report it (read off python.wasm). */
export function wasiMarkerEnvironment(pythonVersion: string): MarkerEnvironment {
  const [major, minor] = pythonVersion.split('.');
  return {
    python_version: `${major}.${minor}`,
    python_full_version: pythonVersion,
    implementation_name: 'cpython',
    implementation_version: pythonVersion,
    platform_python_implementation: 'CPython',
    os_name: 'posix',
    sys_platform: 'wasi',
    platform_system: 'wasi',
    platform_machine: 'wasm32',
    platform_release: '0.0.0',
    platform_version: '0.0.0',
    extra: '',
  };
}

type Token = { kind: 'var' | 'str' | 'op' | '(' | ')' | 'and' | 'or'; value: string };

const TOKEN = /\s*(?:(\()|(\))|(===|==|!=|~=|<=|>=|<|>|not\s+in\b|in\b)|(and\b)|(or\b)|'([^']*)'|"([^"]*)"|([A-Za-z_][\w.]*))/y;

function tokenize(marker: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < marker.length) {
    if (/^\s*$/.test(marker.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(marker);
    if (!m) throw new WasiPystackError(`cannot read the environment marker '${marker}'`, 'write it as PEP 508 describes (e.g. python_version >= "3.9")');
    if (m[1]) tokens.push({ kind: '(', value: '(' });
    else if (m[2]) tokens.push({ kind: ')', value: ')' });
    else if (m[3]) tokens.push({ kind: 'op', value: m[3].replace(/\s+/, ' ') });
    else if (m[4]) tokens.push({ kind: 'and', value: 'and' });
    else if (m[5]) tokens.push({ kind: 'or', value: 'or' });
    else if (m[6] !== undefined || m[7] !== undefined) tokens.push({ kind: 'str', value: m[6] ?? m[7] });
    else tokens.push({ kind: 'var', value: m[8] });
  }
  return tokens;
}

const VERSION_VARIABLES = new Set(['python_version', 'python_full_version', 'implementation_version']);

function compare(left: string, op: string, right: string, versions: boolean): boolean {
  if (op === 'in') return right.includes(left);
  if (op === 'not in') return !right.includes(left);
  const [a, b] = [parseVersion(left), parseVersion(right)];
  if (versions && a && b) {
    const c = compareVersions(a, b);
    if (op === '~=') return c >= 0 && b.release.slice(0, -1).every((n, i) => a.release[i] === n);
    return { '==': c === 0, '!=': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0, '===': left === right }[op] ?? false;
  }
  if (op === '==' || op === '===') return left === right;
  if (op === '!=') return left !== right;
  return false;
}

/** Whether the marker holds in the environment (`extra` is "" unless an extra is asked for). */
export function evaluateMarker(marker: string, env: MarkerEnvironment): boolean {
  const tokens = tokenize(marker);
  let at = 0;
  const value = (t: Token) => {
    if (t.kind === 'str') return t.value;
    if (!(t.value in env)) throw new WasiPystackError(`the environment marker '${marker}' names ${t.value}, which PEP 508 does not define`, 'correct the marker');
    return env[t.value];
  };
  const atom = (): boolean => {
    const t = tokens[at++];
    if (!t) throw new WasiPystackError(`the environment marker '${marker}' ends too early`, 'correct the marker');
    if (t.kind === '(') {
      const inner = or();
      if (tokens[at++]?.kind !== ')') throw new WasiPystackError(`the environment marker '${marker}' misses a ')'`, 'correct the marker');
      return inner;
    }
    const op = tokens[at++];
    const right = tokens[at++];
    if (op?.kind !== 'op' || !right || (right.kind !== 'var' && right.kind !== 'str')) throw new WasiPystackError(`cannot read the environment marker '${marker}'`, 'write it as PEP 508 describes');
    const versions = (t.kind === 'var' && VERSION_VARIABLES.has(t.value)) || (right.kind === 'var' && VERSION_VARIABLES.has(right.value));
    // extra names compare normalized ("Foo_Bar" == "foo-bar").
    const norm = (s: string) => (t.value === 'extra' || right.value === 'extra' ? s.toLowerCase().replace(/[._-]+/g, '-') : s);
    return compare(norm(value(t)), op.value, norm(value(right)), versions);
  };
  const and = (): boolean => {
    let result = atom();
    while (tokens[at]?.kind === 'and') {
      at++;
      result = atom() && result;
    }
    return result;
  };
  const or = (): boolean => {
    let result = and();
    while (tokens[at]?.kind === 'or') {
      at++;
      result = and() || result;
    }
    return result;
  };
  const result = or();
  if (at !== tokens.length) throw new WasiPystackError(`cannot read the environment marker '${marker}' past '${tokens[at].value}'`, 'correct the marker');
  return result;
}
