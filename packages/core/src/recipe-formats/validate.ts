import { WasiPystackError } from '../errors';

/**
 * A tiny validator for the data files of this project (recipes): every problem is collected with its
 * key path, unknown keys are rejected, and one error lists them all, the way the lock file is checked.
 */
export type Check = (value: unknown, path: string, problems: string[]) => void;

const describe = (v: unknown) => (Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v);

export const string: Check = (v, path, problems) => {
  if (typeof v !== 'string' || !v) problems.push(`${path}: must be a non-empty string, not ${describe(v)}`);
};

export const boolean: Check = (v, path, problems) => {
  if (typeof v !== 'boolean') problems.push(`${path}: must be true or false, not ${describe(v)}`);
};

export const oneOf =
  (...values: string[]): Check =>
  (v, path, problems) => {
    if (typeof v !== 'string' || !values.includes(v)) problems.push(`${path}: must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  };

export const listOf =
  (item: Check): Check =>
  (v, path, problems) => {
    if (!Array.isArray(v)) return void problems.push(`${path}: must be a list, not ${describe(v)}`);
    v.forEach((x, i) => item(x, `${path}/${i}`, problems));
  };

export const mapOf =
  (item: Check): Check =>
  (v, path, problems) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return void problems.push(`${path}: must be a table of names to values, not ${describe(v)}`);
    for (const [k, x] of Object.entries(v)) item(x, `${path}/${k}`, problems);
  };

export const stringOrBoolean: Check = (v, path, problems) => {
  if (typeof v !== 'string' && typeof v !== 'boolean') problems.push(`${path}: must be a string or true/false, not ${describe(v)}`);
};

export const stringOrList: Check = (v, path, problems) => {
  if (Array.isArray(v)) listOf(string)(v, path, problems);
  else string(v, path, problems);
};

/** An object with exactly these keys; keys ending in '?' may be left out. */
export const object =
  (fields: Record<string, Check>): Check =>
  (v, path, problems) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return void problems.push(`${path || '(top level)'}: must be an object, not ${describe(v)}`);
    const known = new Map(Object.entries(fields).map(([k, c]) => [k.replace(/\?$/, ''), { check: c, optional: k.endsWith('?') }]));
    const obj = v as Record<string, unknown>;
    for (const key of Object.keys(obj)) if (!known.has(key) && key !== '$comment') problems.push(`${path ? `${path}/` : ''}${key}: unknown key`);
    for (const [key, { check, optional }] of known) {
      const at = path ? `${path}/${key}` : key;
      if (obj[key] === undefined) {
        if (!optional) problems.push(`${at}: missing`);
      } else check(obj[key], at, problems);
    }
  };

/** JSON.parse with one clear error naming the file. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WasiPystackError(`${file} is not valid JSON: ${(e as Error).message}`, 'fix the JSON syntax');
  }
}

/** Parses JSON text and checks it; throws one WasiPystackError naming every problem by key path. */
export function parseChecked<T>(text: string, file: string, check: Check, fix: string): T {
  const data = parseJsonFile(text, file);
  const problems: string[] = [];
  check(data, '', problems);
  if (problems.length) throw new WasiPystackError(`${file} has ${problems.length} problem(s)`, fix, problems);
  return data as T;
}
