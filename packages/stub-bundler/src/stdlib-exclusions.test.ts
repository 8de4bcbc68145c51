import { describe, expect, it } from 'vitest';
import { stdlibExclusions } from './index';

const defaults = ['test', 'tkinter', 'turtle.py', 'site-packages', 'tests/**'];
const reasons = { test: "CPython's own test suite", tkinter: 'no Tk on WASI', turtle: 'no Tk on WASI' };

describe('stdlibExclusions', () => {
  it('leaves out the defaults, each with its reason', () => {
    expect(stdlibExclusions(defaults, reasons)).toEqual({ exclude: defaults, left: reasons });
  });

  it("keeps what a project keeps and leaves out what it adds, naming the project's setting", () => {
    const { exclude, left } = stdlibExclusions(defaults, reasons, { name: 'report', keepStdlib: ['turtle'], excludeStdlib: ['xmlrpc'] });
    expect(exclude).toEqual(['test', 'tkinter', 'site-packages', 'tests/**', 'xmlrpc', 'xmlrpc.py']);
    expect(left).toEqual({ test: "CPython's own test suite", tkinter: 'no Tk on WASI', xmlrpc: "left out by report's [tool.wasi-pystack] exclude-stdlib" });
  });
});
