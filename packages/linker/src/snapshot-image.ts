// A module's state after its initialization, written back into the module (what Wizer does): its
// memory becomes the data, its mutable globals' values their initializers. Pure functions on wasm
// binaries; snapshot-run.ts instantiates and runs the module in between (docs/snapshots.md).
import { Cursor, joinSections, leb, SECTION, sleb32, splitSections, type Section } from './wasm-edit';

const PAGE = 65536;
/** Prefix of the exports the instrumented module adds for its globals. */
export const GLOBAL_EXPORT_PREFIX = '__wasi_pystack_snapshot_global_';

const VALTYPES: Record<number, GlobalType> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
export type GlobalType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

export interface DefinedGlobal {
  /** Index in the global index space (imported globals first). */
  index: number;
  type: GlobalType;
  mutable: boolean;
}

/** The values a run leaves: the memory's bytes (its whole current size) and each mutable global's value. */
export interface SnapshotState {
  memory: Uint8Array;
  globals: Map<number, number | bigint>;
}

function section(sections: Section[], id: number): Section | undefined {
  return sections.find((s) => s.id === id);
}

function importedGlobalCount(sections: Section[]): number {
  const imports = section(sections, SECTION.import);
  if (!imports) return 0;
  const c = new Cursor(imports.content, 0);
  let globals = 0;
  for (let n = c.u32(); n > 0; n--) {
    c.name();
    c.name();
    const kind = c.byte();
    if (kind === 0) c.u32(); // function: type index
    else if (kind === 1) { c.byte(); const flags = c.u32(); c.u32(); if (flags & 1) c.u32(); } // table
    else if (kind === 2) throw new Error('the module imports its memory; a snapshot needs a memory of its own');
    else if (kind === 3) { c.byte(); c.byte(); globals++; }
    else if (kind === 4) { c.byte(); c.u32(); } // tag
    else throw new Error(`import of unknown kind ${kind}`);
  }
  return globals;
}

/** The module's own globals, with their place in the global index space. */
export function definedGlobals(module: Buffer): DefinedGlobal[] {
  const sections = splitSections(module);
  const first = importedGlobalCount(sections);
  const globals = section(sections, SECTION.global);
  if (!globals) return [];
  const c = new Cursor(globals.content, 0);
  const result: DefinedGlobal[] = [];
  for (let i = 0, n = c.u32(); i < n; i++) {
    const code = c.byte();
    const type = VALTYPES[code];
    if (!type) throw new Error(`global ${first + i} has a value type (0x${code.toString(16)}) a snapshot cannot hold`);
    const mutable = c.byte() === 1;
    c.skipConstExpr();
    result.push({ index: first + i, type, mutable });
  }
  return result;
}

/**
 * Whether a snapshot's state (memory, globals, and the function indices the memory holds) taken of
 * one module fits the other: their memory, globals, exports, table elements and data are the same
 * bytes. binaryen's exnref translation changes only types and code.
 */
export function sameStateLayout(a: Buffer, b: Buffer): boolean {
  const ids = [SECTION.import, SECTION.memory, SECTION.global, SECTION.export, 9, SECTION.data];
  const pick = (m: Buffer) => splitSections(m).filter((s) => ids.includes(s.id as never));
  const [sa, sb] = [pick(a), pick(b)];
  // imports: their names and kinds (the function types they name are renumbered by the translation)
  const importNames = (s: Section) => {
    const c = new Cursor(s.content, 0);
    const names: string[] = [];
    for (let n = c.u32(); n > 0; n--) {
      names.push(`${c.name()}.${c.name()}`);
      const kind = c.byte();
      if (kind !== 0) return undefined; // only function imports are compared by name
      c.u32();
    }
    return names.join(',');
  };
  return sa.length === sb.length && sa.every((s, i) => s.id === sb[i].id && (s.id === SECTION.import ? importNames(s) !== undefined && importNames(s) === importNames(sb[i]) : s.content.equals(sb[i].content)));
}

/** The module with every mutable global exported (as GLOBAL_EXPORT_PREFIX + index), so a host can read them after the run. */
export function exportMutableGlobals(module: Buffer): Buffer {
  const mutable = definedGlobals(module).filter((g) => g.mutable);
  const unreadable = mutable.filter((g) => !['i32', 'i64', 'f32', 'f64'].includes(g.type));
  if (unreadable.length) throw new Error(`mutable globals of type ${unreadable.map((g) => g.type).join(', ')} cannot be read by a host; a snapshot cannot hold them`);
  const sections = splitSections(module);
  const exportSection = section(sections, SECTION.export);
  if (!exportSection) throw new Error('the module exports nothing (a snapshot runs an exported function)');
  const c = new Cursor(exportSection.content, 0);
  const count = c.u32();
  const added = mutable.map((g) => {
    const name = Buffer.from(`${GLOBAL_EXPORT_PREFIX}${g.index}`);
    return Buffer.concat([leb(name.length), name, Buffer.from([3]), leb(g.index)]);
  });
  exportSection.content = Buffer.concat([leb(count + added.length), exportSection.content.subarray(c.pos), ...added]);
  return joinSections(module.subarray(0, 8), sections);
}

function constExpr(type: GlobalType, value: number | bigint): Buffer {
  switch (type) {
    case 'i32':
      return Buffer.concat([Buffer.from([0x41]), sleb32(Number(value)), Buffer.from([0x0b])]);
    case 'i64':
      return Buffer.concat([Buffer.from([0x42]), sleb64(BigInt(value)), Buffer.from([0x0b])]);
    case 'f32': {
      const b = Buffer.alloc(4);
      b.writeFloatLE(Number(value));
      return Buffer.concat([Buffer.from([0x43]), b, Buffer.from([0x0b])]);
    }
    case 'f64': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(value));
      return Buffer.concat([Buffer.from([0x44]), b, Buffer.from([0x0b])]);
    }
    default:
      throw new Error(`a ${type} global cannot be written as a constant`);
  }
}

function sleb64(n: bigint): Buffer {
  const bytes: number[] = [];
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && !(byte & 0x40)) || (n === -1n && byte & 0x40)) return Buffer.from([...bytes, byte]);
    bytes.push(byte | 0x80);
  }
}

/** The runs of non-zero bytes of memory, as [start, end) pairs. */
function nonZeroRuns(memory: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  let i = 0;
  while (i < memory.length) {
    while (i < memory.length && memory[i] === 0) i++;
    const start = i;
    while (i < memory.length && memory[i] !== 0) i++;
    if (i > start) runs.push([start, i]);
  }
  return runs;
}

/**
 * The memory as active data segments: its runs of non-zero bytes, runs less than `gap` bytes apart
 * joined (fewer segments for a little zero data), `gap` doubled until at most `maxSegments` remain
 * (engines limit a module's segments: V8 to 100,000).
 */
export function memorySegments(memory: Uint8Array, maxSegments = 10_000, gap = 32): { offset: number; bytes: Uint8Array }[] {
  const runs = nonZeroRuns(memory);
  for (;; gap *= 2) {
    const joined: [number, number][] = [];
    for (const run of runs) {
      const last = joined[joined.length - 1];
      if (last && run[0] - last[1] < gap) last[1] = run[1];
      else joined.push([run[0], run[1]]);
    }
    if (joined.length <= maxSegments) return joined.map(([start, end]) => ({ offset: start, bytes: memory.subarray(start, end) }));
  }
}

/**
 * The module as it would start after the run: memory of the run's size with its bytes as data,
 * the mutable globals' values as their initializers, no start function. `exportEdits` renames
 * ([to, from]: the export `to` becomes the function exported as `from`) and drops exports.
 */
export function applySnapshot(module: Buffer, state: SnapshotState, exportEdits: { rename?: [string, string][]; drop?: string[] } = {}): Buffer {
  const globals = definedGlobals(module);
  const sections = splitSections(module).filter((s) => s.id !== SECTION.start);

  // memory: the run's size, the maximum kept
  const memory = section(sections, SECTION.memory);
  if (!memory) throw new Error('the module defines no memory');
  const m = new Cursor(memory.content, 0);
  if (m.u32() !== 1) throw new Error('the module defines more than one memory');
  const flags = m.u32();
  if (flags & ~1) throw new Error(`memory limits flags ${flags} (shared or 64-bit memory) are not supported`);
  m.u32();
  const maximum = flags & 1 ? m.u32() : undefined;
  memory.content = Buffer.concat([leb(1), leb(flags), leb(state.memory.length / PAGE), ...(maximum === undefined ? [] : [leb(maximum)])]);

  // globals: each mutable one initialized with its value after the run
  const globalSection = section(sections, SECTION.global);
  if (globalSection) {
    const c = new Cursor(globalSection.content, 0);
    const entries: Buffer[] = [];
    for (const g of globals.slice(0, c.u32())) {
      const start = c.pos;
      c.byte();
      c.byte();
      const exprStart = c.pos;
      c.skipConstExpr();
      const value = state.globals.get(g.index);
      if (g.mutable && value === undefined) throw new Error(`no value for mutable global ${g.index}`);
      entries.push(g.mutable ? Buffer.concat([globalSection.content.subarray(start, exprStart), constExpr(g.type, value!)]) : globalSection.content.subarray(start, c.pos));
    }
    globalSection.content = Buffer.concat([leb(entries.length), ...entries]);
  }

  // data: the memory image replaces every segment (all of them were active: they are in it)
  let data = section(sections, SECTION.data);
  if (data) {
    const c = new Cursor(data.content, 0);
    for (let n = c.u32(); n > 0; n--) {
      const kind = c.u32();
      if (kind === 1) throw new Error('the module has a passive data segment; a snapshot cannot replace it');
      if (kind === 2) c.u32();
      c.skipConstExpr();
      const size = c.u32();
      c.pos += size;
    }
  } else {
    data = { id: SECTION.data, content: Buffer.alloc(0) };
    sections.splice(sections.findIndex((s) => s.id === SECTION.code) + 1, 0, data);
  }
  const segments = memorySegments(state.memory);
  data.content = Buffer.concat([leb(segments.length), ...segments.flatMap((s) => [leb(0), Buffer.from([0x41]), sleb32(s.offset), Buffer.from([0x0b]), leb(s.bytes.length), Buffer.from(s.bytes)])]);
  const dataCount = section(sections, SECTION.dataCount);
  if (dataCount) dataCount.content = leb(segments.length);

  // exports: renamed and dropped
  const exportSection = section(sections, SECTION.export);
  if (exportSection) {
    const c = new Cursor(exportSection.content, 0);
    const list: { name: string; kind: number; index: number }[] = [];
    for (let n = c.u32(); n > 0; n--) list.push({ name: c.name(), kind: c.byte(), index: c.u32() });
    const byName = new Map(list.map((e) => [e.name, e]));
    for (const [to, from] of exportEdits.rename ?? []) {
      const source = byName.get(from);
      if (!source) throw new Error(`no export ${from} to rename to ${to}`);
      byName.delete(from);
      byName.set(to, { ...source, name: to });
    }
    for (const name of exportEdits.drop ?? []) byName.delete(name);
    for (const name of [...byName.keys()]) if (name.startsWith(GLOBAL_EXPORT_PREFIX)) byName.delete(name);
    const kept = [...byName.values()];
    exportSection.content = Buffer.concat([leb(kept.length), ...kept.map((e) => { const n = Buffer.from(e.name); return Buffer.concat([leb(n.length), n, Buffer.from([e.kind]), leb(e.index)]); })]);
  }
  return joinSections(module.subarray(0, 8), sections);
}
