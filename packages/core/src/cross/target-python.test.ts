import { describe, expect, it } from 'vitest';
import { relocateSysconfig } from './target-python';

describe('relocateSysconfig', () => {
  it('moves every path under the configured prefix, and nothing else', () => {
    const text = "build_time_vars = {'prefix': '/usr/local', 'INCLUDEPY': '/usr/local/include/python3.13', 'LDFLAGS': '-L/usr/local/lib -Wl', 'X': '/usr/localish', 'CONFIG_ARGS': \"'--prefix=/usr/local'\"}";
    expect(relocateSysconfig(text, '/usr/local', '/out/py')).toBe(
      "build_time_vars = {'prefix': '/out/py', 'INCLUDEPY': '/out/py/include/python3.13', 'LDFLAGS': '-L/out/py/lib -Wl', 'X': '/usr/localish', 'CONFIG_ARGS': \"'--prefix=/out/py'\"}",
    );
  });
});
