import { describe, expect, it } from 'vitest';
import { mesonCrossFile } from './meson-cross-file';

const toolchain = { cc: '/t/cc', cxx: '/t/c++', ar: '/t/ar', strip: '/t/strip', nm: '/t/nm' };

describe('mesonCrossFile', () => {
  it('describes wasm32-wasip1 and passes compile arguments to C and C++ of the host machine', () => {
    const text = mesonCrossFile({ toolchain, python: '/t/python', pkgConfigLibdir: '/t/pc', properties: { longdouble_format: 'IEEE_QUAD_LE' }, compileArgs: ['-Wcast-function-type-strict'] });
    expect(text).toContain("[host_machine]\nsystem = 'wasi'\ncpu_family = 'wasm32'");
    expect(text).toContain("longdouble_format = 'IEEE_QUAD_LE'");
    expect(text).toContain("[built-in options]\nc_args = ['-Wcast-function-type-strict']\ncpp_args = ['-Wcast-function-type-strict']\n");
  });
  it("lets meson find the recipe's wasm32 libraries through pkg-config, and only those", () => {
    const text = mesonCrossFile({ toolchain, python: '/t/python', pkgConfigLibdir: '/w/libraries/share/pkgconfig' });
    expect(text).toContain("pkg-config = 'pkg-config'");
    expect(text).toContain("pkg_config_libdir = '/w/libraries/share/pkgconfig'");
  });
  it('has no built-in options section without compile arguments', () => {
    expect(mesonCrossFile({ toolchain, python: '/t/python', pkgConfigLibdir: '/t/pc' })).not.toContain('[built-in options]');
  });
});
