/** Differences between a JSON result and its expected value; floats compare with a relative tolerance. */
export function differences(actual: unknown, expected: unknown, path = '$', rel = 1e-12): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isInteger(expected) && Number.isInteger(actual)) return actual === expected ? [] : [`${path}: ${actual} != ${expected}`];
    const ok = Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected));
    return ok ? [] : [`${path}: ${actual} != ${expected}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
    return expected.flatMap((e, i) => differences(actual[i], e, `${path}[${i}]`, rel));
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object') return [`${path}: ${JSON.stringify(actual)} is not an object`];
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) =>
      k in (expected as object) ? differences((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`, rel) : [`${path}.${k}: unexpected`],
    );
  }
  return actual === expected ? [] : [`${path}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
}
