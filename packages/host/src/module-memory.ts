// The memory limits of a module's own memory, read from and written to its binary: how the host caps
// a module that was linked without a maximum (every engine then refuses memory.grow past the cap, and
// Python gets MemoryError instead of the host running out of memory).

export const PAGE_BYTES = 65536;
const TAG_SECTION = 13;
const MEMORY_SECTION = 5;
const UNITS: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** The limits of a module's memory, in bytes. */
export interface MemoryLimits {
  initialBytes: number;
  /** Undefined: no maximum (4 GiB for wasm32). */
  maximumBytes?: number;
}

/** A memory size in bytes, from bytes or a size with a unit ("512MiB", "2GiB"); at most 4 GiB. */
export function memoryBytes(size: number | string): number {
  const m = /^\s*(\d+)\s*(B|KiB|MiB|GiB)?\s*$/.exec(String(size));
  const bytes = m ? Number(m[1]) * UNITS[m[2] ?? ''] : NaN;
  if (!m || !bytes || bytes > 4 * 1024 ** 3) throw new RangeError(`'${size}' is not a memory size of wasm32: give bytes or a size with KiB, MiB or GiB, at most 4GiB (for example "512MiB")`);
  return bytes;
}

/** The unsigned LEB128 encoding of n (how wasm binaries write counts, sizes and limits). */
export function uleb128(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    bytes.push(byte);
  } while (n);
  return bytes;
}

function readUleb(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = buf[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [value, pos];
  }
}

/** Whether the module has a section with this id. */
function hasSection(module: Uint8Array, sectionId: number): boolean {
  let pos = 8;
  while (pos < module.length) {
    const id = module[pos++];
    const [size, contentStart] = readUleb(module, pos);
    if (id === sectionId) return true;
    pos = contentStart + size;
  }
  return false;
}

/** Whether the module uses WebAssembly exception handling: it has a tag section (C++'s __cpp_exception). */
export const usesExceptionHandling = (module: Uint8Array): boolean => hasSection(module, TAG_SECTION);

/** Where the memory section's content is, with the limits it holds. */
function findMemory(module: Uint8Array): { sectionStart: number; contentStart: number; contentEnd: number; flags: number; initialPages: number; maximumPages?: number } {
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) throw new Error('not a WebAssembly module');
  let pos = 8;
  while (pos < module.length) {
    const sectionStart = pos;
    const id = module[pos++];
    const [size, contentStart] = readUleb(module, pos);
    const contentEnd = contentStart + size;
    if (id === MEMORY_SECTION) {
      let p = contentStart;
      let count, flags, initialPages, maximumPages;
      [count, p] = readUleb(module, p);
      if (count !== 1) throw new Error(`the module defines ${count} memories; the host handles one`);
      [flags, p] = readUleb(module, p);
      if (flags & ~1) throw new Error(`the module's memory has limits flags ${flags} (shared or 64-bit memory is not supported)`);
      [initialPages, p] = readUleb(module, p);
      if (flags & 1) [maximumPages] = readUleb(module, p);
      return { sectionStart, contentStart, contentEnd, flags, initialPages, maximumPages };
    }
    pos = contentEnd;
  }
  throw new Error('the module defines no memory of its own (an imported memory is the embedder\'s to limit)');
}

export function memoryLimits(module: Uint8Array): MemoryLimits {
  const { initialPages, maximumPages } = findMemory(module);
  return { initialBytes: initialPages * PAGE_BYTES, maximumBytes: maximumPages === undefined ? undefined : maximumPages * PAGE_BYTES };
}

/**
 * The module with its memory's maximum set to `maximumPages` (64 KiB pages). Everything else is kept
 * byte for byte; only the memory section is rewritten.
 */
export function withMemoryMaximum(module: Uint8Array, maximumPages: number): Uint8Array {
  const { sectionStart, contentEnd, initialPages } = findMemory(module);
  if (!Number.isInteger(maximumPages) || maximumPages > 65536) throw new RangeError(`a maximum of ${maximumPages} pages is not a page count of wasm32 memory (at most 65536: 4 GiB)`);
  if (maximumPages < initialPages) throw new RangeError(`a maximum of ${maximumPages} pages (${maximumPages * 64} KiB) is below the module's initial memory of ${initialPages} pages (${initialPages * 64} KiB)`);
  const content = [1, 1, ...uleb128(initialPages), ...uleb128(maximumPages)];
  const section = Uint8Array.from([MEMORY_SECTION, ...uleb128(content.length), ...content]);
  const out = new Uint8Array(sectionStart + section.length + (module.length - contentEnd));
  out.set(module.subarray(0, sectionStart), 0);
  out.set(section, sectionStart);
  out.set(module.subarray(contentEnd), sectionStart + section.length);
  return out;
}

/**
 * The module capped at `capBytes` (rounded up to pages): its maximum lowered to the cap, never raised
 * (a module linked with a smaller maximum keeps it). Returns the bytes and the limits that hold.
 */
export function capMemory(module: Uint8Array, capBytes: number): { module: Uint8Array; limits: MemoryLimits } {
  const limits = memoryLimits(module);
  const capPages = Math.ceil(capBytes / PAGE_BYTES);
  if (limits.maximumBytes !== undefined && limits.maximumBytes <= capPages * PAGE_BYTES) return { module, limits };
  if (capPages * PAGE_BYTES < limits.initialBytes) {
    throw new RangeError(`a memory cap of ${capBytes} bytes is below the module's initial memory of ${limits.initialBytes} bytes: give a cap above ${Math.ceil(limits.initialBytes / 1024 ** 2)} MiB`);
  }
  return { module: withMemoryMaximum(module, capPages), limits: { initialBytes: limits.initialBytes, maximumBytes: capPages * PAGE_BYTES } };
}
