/** Build transcripts go to stderr so stdout stays free for results. */
export function log(message: string): void {
  process.stderr.write(`[wasi-pystack] ${message}\n`);
}

/** Brackets a piece of work in the log: "x ..." then "x done in N s". */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  log(`${label} ...`);
  const result = await work();
  log(`${label} done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return result;
}
