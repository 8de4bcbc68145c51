// Edits of a finished (linked, optimized) module that leave its code alone: one more data segment
// after its initial memory, and fewer exports. Used to turn one stack module into a project's module
// without another link or wasm-opt pass (docs/build-time.md).
import { uleb128, withMemoryMaximum } from '@wasi-pystack/host';
import { wasmSections } from './wasm-imports';

const PAGE = 65536;
export const SECTION = { import: 2, memory: 5, global: 6, export: 7, start: 8, code: 10, data: 11, dataCount: 12 } as const;

export const leb = (n: number): Buffer => Buffer.from(uleb128(n));

export function sleb32(n: number): Buffer {
  const bytes: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return Buffer.from([...bytes, byte]);
    bytes.push(byte | 0x80);
  }
}

/** Reads LEB128 numbers, names and constant expressions from a section's content. */
export class Cursor {
  constructor(readonly buf: Buffer, public pos: number) {}
  u32(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return result;
    }
  }
  byte(): number {
    return this.buf[this.pos++];
  }
  name(): string {
    const length = this.u32();
    this.pos += length;
    return this.buf.toString('utf8', this.pos - length, this.pos);
  }
  /** Steps over a constant expression (a global's or a segment's initializer) up to its `end`. */
  skipConstExpr(): void {
    for (;;) {
      const op = this.byte();
      if (op === 0x0b) return; // end
      if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2 || op === 0xd0) this.u32(); // i32/i64.const (LEB bytes), global.get, ref.func, ref.null
      else if (op === 0x43) this.pos += 4; // f32.const
      else if (op === 0x44) this.pos += 8; // f64.const
      else if (op === 0xfd && this.u32() === 12) this.pos += 16; // v128.const
      else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op)) throw new Error(`constant expression with opcode 0x${op.toString(16)} at ${this.pos - 1}`);
    }
  }
}

export interface Section {
  id: number;
  content: Buffer;
}

export function splitSections(module: Buffer): Section[] {
  if (module.length < 8 || module.readUInt32LE(0) !== 0x6d736100) throw new Error('not a WebAssembly module');
  return wasmSections(module).map((s) => ({ id: s.id, content: module.subarray(s.start, s.end) }));
}

export function joinSections(header: Buffer, sections: Section[]): Buffer {
  return Buffer.concat([header, ...sections.flatMap((s) => [Buffer.from([s.id]), leb(s.content.length), s.content])]);
}

/** The module's own memory section and its limits; errors for what these edits do not handle. */
function ownMemory(sections: Section[]): { memory: Section; flags: number; initialPages: number; maximumPages?: number } {
  const memory = sections.find((s) => s.id === SECTION.memory);
  if (!memory) throw new Error('the module defines no memory of its own (an imported memory cannot be edited)');
  const m = new Cursor(memory.content, 0);
  if (m.u32() !== 1) throw new Error('the module defines more than one memory');
  const flags = m.u32();
  if (flags & ~1) throw new Error(`the module's memory has limits flags ${flags} (shared or 64-bit memory is not supported)`);
  const initialPages = m.u32();
  return { memory, flags, initialPages, maximumPages: flags & 1 ? m.u32() : undefined };
}

/**
 * Sets the maximum of the module's own memory (in 64 KiB pages): every engine then refuses to grow it
 * further, and memory.grow returns -1 inside the module (malloc returns NULL: Python's MemoryError).
 */
export function setMemoryMaximum(module: Buffer, maximumPages: number): Buffer {
  return Buffer.from(withMemoryMaximum(module, maximumPages));
}

/**
 * Places `data` at the end of the module's initial memory (page-aligned, the address wasm-ld gives
 * __heap_end) and grows the initial memory by the pages it needs. Returns the module and the address.
 */
export function appendDataAtMemoryEnd(module: Buffer, data: Buffer): { module: Buffer; address: number } {
  const sections = splitSections(module);
  const { memory, flags, initialPages, maximumPages } = ownMemory(sections);
  const address = initialPages * PAGE;
  const pages = initialPages + Math.ceil(data.length / PAGE);
  if (pages > 65536 || (maximumPages !== undefined && pages > maximumPages)) throw new Error(`the module's memory cannot grow to ${pages} pages for ${data.length} bytes of data`);
  memory.content = Buffer.concat([leb(1), leb(flags), leb(pages), ...(maximumPages === undefined ? [] : [leb(maximumPages)])]);

  // An active segment of memory 0 at `address`: flags 0, offset expression (i32.const address; end).
  const segment = Buffer.concat([leb(0), Buffer.from([0x41]), sleb32(address), Buffer.from([0x0b]), leb(data.length), data]);
  let dataSection = sections.find((s) => s.id === SECTION.data);
  if (!dataSection) {
    dataSection = { id: SECTION.data, content: leb(0) };
    const codeIndex = sections.findIndex((s) => s.id === 10);
    sections.splice(codeIndex < 0 ? sections.length : codeIndex + 1, 0, dataSection);
  }
  const d = new Cursor(dataSection.content, 0);
  const count = d.u32();
  dataSection.content = Buffer.concat([leb(count + 1), dataSection.content.subarray(d.pos), segment]);
  const dataCount = sections.find((s) => s.id === SECTION.dataCount);
  if (dataCount) dataCount.content = leb(count + 1);
  return { module: joinSections(module.subarray(0, 8), sections), address };
}

/** Drops the named exports (the functions stay: only the names go). */
export function removeExports(module: Buffer, names: Iterable<string>): Buffer {
  const drop = new Set(names);
  const sections = splitSections(module);
  const exportSection = sections.find((s) => s.id === SECTION.export);
  if (!exportSection) return module;
  const c = new Cursor(exportSection.content, 0);
  const kept: Buffer[] = [];
  const count = c.u32();
  for (let i = 0; i < count; i++) {
    const start = c.pos;
    const nameLength = c.u32();
    const name = exportSection.content.toString('utf8', c.pos, c.pos + nameLength);
    c.pos += nameLength + 1; // the name, then the kind
    c.u32(); // the index
    if (!drop.has(name)) kept.push(exportSection.content.subarray(start, c.pos));
  }
  exportSection.content = Buffer.concat([leb(kept.length), ...kept]);
  return joinSections(module.subarray(0, 8), sections);
}
