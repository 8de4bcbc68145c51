import { readFileSync } from 'node:fs';

/** One import of a WebAssembly module. */
export interface WasmImport {
  module: string;
  name: string;
}

/** Reads the import section of a wasm binary (no runtime needed). */
export function wasmImports(file: string): WasmImport[] {
  const buf = readFileSync(file);
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a WebAssembly module`);
  let pos = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return result;
      shift += 7;
    }
  };
  const str = () => {
    const len = leb();
    const s = buf.toString('utf8', pos, pos + len);
    pos += len;
    return s;
  };
  while (pos < buf.length) {
    const id = buf[pos++];
    const size = leb();
    const end = pos + size;
    if (id === 2) {
      const imports: WasmImport[] = [];
      const count = leb();
      for (let i = 0; i < count; i++) {
        const module = str();
        const name = str();
        const kind = buf[pos++];
        if (kind === 0) leb(); // function: type index
        else if (kind === 1) { pos++; const flags = leb(); leb(); if (flags & 1) leb(); } // table
        else if (kind === 2) { const flags = leb(); leb(); if (flags & 1) leb(); } // memory
        else if (kind === 3) pos += 2; // global: valtype, mutability
        else if (kind === 4) { pos++; leb(); } // tag
        imports.push({ module, name });
      }
      return imports;
    }
    pos = end;
  }
  return [];
}

/** Lists the exports' names (a command exports _start, a reactor _initialize). */
export function wasmExports(file: string): string[] {
  const buf = readFileSync(file);
  let pos = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return result;
      shift += 7;
    }
  };
  while (pos < buf.length) {
    const id = buf[pos++];
    const size = leb();
    const end = pos + size;
    if (id === 7) {
      const names: string[] = [];
      const count = leb();
      for (let i = 0; i < count; i++) {
        const len = leb();
        names.push(buf.toString('utf8', pos, pos + len));
        pos += len + 1; // name, kind
        leb(); // index
      }
      return names;
    }
    pos = end;
  }
  return [];
}
