import { readFileSync } from 'node:fs';

/** One import of a WebAssembly module. */
export interface WasmImport {
  module: string;
  name: string;
}

/** A cursor over a wasm binary: LEB128 numbers and names. */
class Reader {
  pos = 8;
  constructor(readonly buf: Buffer) {}
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return result;
      shift += 7;
    }
  }
  name(): string {
    const len = this.u32();
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

/** Positions the reader at the start of section `id`'s contents, or returns undefined. */
function findSection(file: string, id: number): Reader | undefined {
  const buf = readFileSync(file);
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a WebAssembly module`);
  const r = new Reader(buf);
  while (r.pos < buf.length) {
    const section = buf[r.pos++];
    const size = r.u32();
    if (section === id) return r;
    r.pos += size;
  }
  return undefined;
}

/** Reads the import section of a wasm binary (no runtime needed). */
export function wasmImports(file: string): WasmImport[] {
  const r = findSection(file, 2);
  if (!r) return [];
  const imports: WasmImport[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const module = r.name();
    const name = r.name();
    const kind = r.buf[r.pos++];
    if (kind === 0) r.u32(); // function: type index
    else if (kind === 1) { r.pos++; const flags = r.u32(); r.u32(); if (flags & 1) r.u32(); } // table
    else if (kind === 2) { const flags = r.u32(); r.u32(); if (flags & 1) r.u32(); } // memory
    else if (kind === 3) r.pos += 2; // global: value type, mutability
    else if (kind === 4) { r.pos++; r.u32(); } // tag
    imports.push({ module, name });
  }
  return imports;
}

/** Lists the exports' names (a command exports _start, a reactor _initialize). */
export function wasmExports(file: string): string[] {
  const r = findSection(file, 7);
  if (!r) return [];
  const names: string[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    names.push(r.name());
    r.pos++; // kind
    r.u32(); // index
  }
  return names;
}

/** One section of a wasm binary: its id, its name (custom sections by their own name) and its content's byte range. */
export interface WasmSection {
  id: number;
  name: string;
  start: number;
  end: number;
}

const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];

/** Every section of a wasm binary, in order. */
export function wasmSections(buf: Buffer): WasmSection[] {
  const r = new Reader(buf);
  const sections: WasmSection[] = [];
  while (r.pos < buf.length) {
    const id = buf[r.pos++];
    const size = r.u32();
    const start = r.pos;
    let name = SECTION_NAMES[id] ?? `section ${id}`;
    if (id === 0) name = `custom "${r.name()}"`;
    sections.push({ id, name, start, end: start + size });
    r.pos = start + size;
  }
  return sections;
}

/** The initial size of the module's own memory in bytes (a snapshot's: the end of its heap). */
export function wasmInitialMemoryBytes(file: string): number {
  const r = findSection(file, 5);
  if (!r || r.u32() === 0) return 0;
  r.u32(); // limits flags
  return r.u32() * 65536;
}
