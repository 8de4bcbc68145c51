import type { SourceMap } from 'magic-string';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** Just enough of a source-map reader to check line mappings in tests (1-based lines). */
export class SourceMapConsumer {
  private readonly lines: number[] = [];
  constructor(map: SourceMap) {
    let original = 0;
    for (const line of map.mappings.split(';')) {
      let first = -1;
      for (const seg of line.split(',').filter(Boolean)) {
        const v = decodeVlq(seg);
        if (v.length >= 3) {
          original += v[2];
          if (first < 0) first = original;
        }
      }
      this.lines.push(first);
    }
  }
  originalLine(generatedLine: number): number {
    return this.lines[generatedLine - 1] + 1;
  }
}
