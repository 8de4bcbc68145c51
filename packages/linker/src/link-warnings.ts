/**
 * wasm-ld does not fail when a function is called with a signature other than its definition's (C
 * allows an old-style or mismatched declaration): it warns and links the call to a stub that traps.
 * Such a call is a crash waiting for its input, so the linker treats the warning as an error.
 */
const MISMATCH = /function signature mismatch: (\S+)/g;

/** The functions wasm-ld warned about, with where each is defined the two ways (from the link log). */
export function signatureMismatches(linkLog: string): string[] {
  const found: string[] = [];
  for (const match of linkLog.matchAll(MISMATCH)) {
    const detail = linkLog.slice(match.index! + match[0].length).split('\n').slice(1, 3).map((l) => l.replace(/^\s*>>>\s*/, '').trim()).filter(Boolean);
    found.push([match[1], ...detail].join(': '));
  }
  return [...new Set(found)];
}
