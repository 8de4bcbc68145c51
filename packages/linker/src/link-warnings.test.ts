import { describe, expect, it } from 'vitest';
import { signatureMismatches } from './link-warnings';

describe('signatureMismatches', () => {
  it('names each function wasm-ld linked to a trapping stub, with both definitions', () => {
    const log = [
      'wasm-ld: warning: function signature mismatch: sdot_',
      '>>> defined as (i32, i32, i32, i32, i32) -> f64 in f2c_s_lapack.o',
      '>>> defined as (i32, i32, i32, i32, i32) -> f32 in libblis.a(bla_dot.o)',
      'some other line',
    ].join('\n');
    expect(signatureMismatches(log)).toEqual(['sdot_: defined as (i32, i32, i32, i32, i32) -> f64 in f2c_s_lapack.o: defined as (i32, i32, i32, i32, i32) -> f32 in libblis.a(bla_dot.o)']);
  });

  it('finds none in a clean log', () => {
    expect(signatureMismatches('')).toEqual([]);
  });
});
