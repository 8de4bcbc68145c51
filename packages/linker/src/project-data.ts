// A project's part of a module, as data: the bundle, the bundle importer's source, the entry, warm-up
// and preimport names, the snapshot's hash secret and the optimization level. The linker places it
// after the stack module's memory (wasm-edit.ts), so the stack's code (linked and optimized once per
// stack) is the same for every project. src/c/project.c reads it; the two layouts must agree.

/** The marker at the start of the data (project.c checks it). */
export const PROJECT_DATA_MAGIC = Buffer.from('WPSPRJ01', 'ascii');

/** The fields after the fixed header, in this order (project.c's enum). */
const FIELDS = ['bundle', 'importerSource', 'entryModule', 'entryFunction', 'warmupModule', 'warmupFunction', 'preimport'] as const;
const HEADER_BYTES = 8 + 4 * 3 + FIELDS.length * 8;

const MODULE_NAME = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/;

export interface ProjectData {
  bundle: Buffer;
  importerSource: string;
  /** The reactor's entry; absent for commands. */
  entry?: { module: string; function: string };
  /** A function a snapshot calls once at build time, after the imports. */
  warmup?: { module: string; function: string };
  /** Modules a reactor imports after its entry (before a snapshot). */
  preimport?: string[];
  /** A snapshot's str hash secret (1..2^32-1); 0 when the module is not snapshotted. */
  hashSeed?: number;
  /** sys.flags.optimize: the level the bundle was compiled at. */
  optimizationLevel?: number;
}

function checkProjectData(data: ProjectData): void {
  for (const name of data.preimport ?? []) if (!MODULE_NAME.test(name)) throw new Error(`preimport '${name}' is not a dotted module name`);
  for (const [what, ref] of [['entry', data.entry], ['warm-up', data.warmup]] as const) {
    if (ref && (!MODULE_NAME.test(ref.module) || !/^[A-Za-z_]\w*$/.test(ref.function))) throw new Error(`${what} '${ref.module}:${ref.function}' is not module:function`);
  }
  const level = data.optimizationLevel ?? 0;
  if (![0, 1, 2].includes(level)) throw new Error(`optimization level ${level} is not 0, 1 or 2`);
  const seed = data.hashSeed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`hash seed ${seed} is not a 32-bit unsigned integer`);
  if (data.importerSource.includes('\0')) throw new Error('the bundle importer source holds a NUL byte');
}

/** Pure: the bytes project.c reads. Every field is followed by a NUL byte; fields start 8-aligned. */
export function encodeProjectData(data: ProjectData): Buffer {
  checkProjectData(data);
  const values: Record<(typeof FIELDS)[number], Buffer> = {
    bundle: data.bundle,
    importerSource: Buffer.from(data.importerSource, 'utf8'),
    entryModule: Buffer.from(data.entry?.module ?? ''),
    entryFunction: Buffer.from(data.entry?.function ?? ''),
    warmupModule: Buffer.from(data.warmup?.module ?? ''),
    warmupFunction: Buffer.from(data.warmup?.function ?? ''),
    preimport: Buffer.from((data.preimport ?? []).map((n) => `${n}\0`).join('')),
  };
  const header = Buffer.alloc(HEADER_BYTES);
  const parts: Buffer[] = [header];
  let offset = HEADER_BYTES;
  FIELDS.forEach((name, i) => {
    const padding = (8 - (offset % 8)) % 8;
    if (padding) parts.push(Buffer.alloc(padding));
    offset += padding;
    header.writeUInt32LE(offset, 20 + i * 8);
    header.writeUInt32LE(values[name].length, 24 + i * 8);
    parts.push(values[name], Buffer.alloc(1));
    offset += values[name].length + 1;
  });
  PROJECT_DATA_MAGIC.copy(header, 0);
  header.writeUInt32LE(offset, 8);
  header.writeUInt32LE(data.hashSeed ?? 0, 12);
  header.writeUInt32LE(data.optimizationLevel ?? 0, 16);
  return Buffer.concat(parts);
}

/** Reads encodeProjectData's bytes back (tests, and inspecting a module's data). */
export function decodeProjectData(bytes: Buffer): Required<Omit<ProjectData, 'entry' | 'warmup'>> & Pick<ProjectData, 'entry' | 'warmup'> {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(PROJECT_DATA_MAGIC)) throw new Error('not wasi-pystack project data (no marker)');
  const field = (i: number) => bytes.subarray(bytes.readUInt32LE(20 + i * 8), bytes.readUInt32LE(20 + i * 8) + bytes.readUInt32LE(24 + i * 8));
  const text = (i: number) => field(i).toString('utf8');
  const ref = (m: number) => (text(m) ? { module: text(m), function: text(m + 1) } : undefined);
  return {
    bundle: Buffer.from(field(0)),
    importerSource: text(1),
    entry: ref(2),
    warmup: ref(4),
    preimport: text(6).split('\0').filter(Boolean),
    hashSeed: bytes.readUInt32LE(12),
    optimizationLevel: bytes.readUInt32LE(16),
  };
}
