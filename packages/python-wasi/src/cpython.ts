import { join } from 'node:path';
import { AUTOCONF_HOST, type Command, type Toolchain } from '@wasi-pystack/core';

/**
 * CPython's two builds, named as CPython's own Tools/wasm driver names them:
 * the native "build" Python (runs on this machine; needed by the cross build and by later steps),
 * and the wasm32-wasip1 "host" Python (static libpython, headers, sysconfig data, stdlib).
 */
export interface BuildPythonContext {
  src: string;
  buildDir: string;
  installDir: string;
  jobs: number;
}

export function planBuildPython(ctx: BuildPythonContext): Command[] {
  return [
    { argv: [join(ctx.src, 'configure'), `--prefix=${ctx.installDir}`, '--without-ensurepip'], cwd: ctx.buildDir },
    { argv: ['make', `-j${ctx.jobs}`], cwd: ctx.buildDir },
    { argv: ['make', 'install'], cwd: ctx.buildDir },
  ];
}

export interface HostPythonContext {
  src: string;
  buildDir: string;
  /** DESTDIR for `make install`-like targets. */
  destDir: string;
  /** The native build Python executable. */
  buildPython: string;
  /** Prefix holding the wasm32 libraries and their pkg-config files. */
  libPrefix: string;
  toolchain: Toolchain;
  /** config.guess of the build machine, found before CC points at the cross compiler. */
  build: string;
  jobs: number;
}

/** configure cache answers for WASI, beside CPython's own Tools/wasm/config.site-wasm32-wasi. */
export const HOST_CONFIGURE_CACHE: Record<string, string> = {
  // Node's WASI treats clock_nanosleep's absolute deadline as relative, so time.sleep() would block
  // for about the machine's uptime; without it CPython uses a relative sleep. Both are needed.
  ac_cv_func_clock_nanosleep: 'no',
  ac_cv_lib_rt_clock_nanosleep: 'no',
};

export function hostEnv(ctx: HostPythonContext): Record<string, string> {
  const t = ctx.toolchain;
  return {
    CC: t.cc,
    CPP: `${t.cc} -E`,
    CXX: t.cxx,
    AR: t.ar,
    RANLIB: t.ranlib,
    CONFIG_SITE: join(ctx.src, 'Tools', 'wasm', 'config.site-wasm32-wasi'),
    PKG_CONFIG_PATH: '',
    PKG_CONFIG_LIBDIR: join(ctx.libPrefix, 'lib', 'pkgconfig'),
    ...HOST_CONFIGURE_CACHE,
  };
}

export function planHostPython(ctx: HostPythonContext): Command[] {
  const env = hostEnv(ctx);
  return [
    {
      argv: [
        join(ctx.src, 'configure'),
        `--host=${AUTOCONF_HOST}`,
        `--build=${ctx.build}`,
        `--with-build-python=${ctx.buildPython}`,
        '--prefix=/usr/local',
        '--with-system-libmpdec',
        '--disable-test-modules',
        '--without-ensurepip',
      ],
      cwd: ctx.buildDir,
      env,
    },
    { argv: ['make', `-j${ctx.jobs}`, 'all'], cwd: ctx.buildDir, env },
    // Headers, libpython and its config folder; the stdlib is copied without compiling it.
    { argv: ['make', 'inclinstall', 'libainstall', `DESTDIR=${ctx.destDir}`], cwd: ctx.buildDir, env },
  ];
}

/** Stdlib parts that are of no use in a WASI module (tests, GUI, installers). */
export const STDLIB_EXCLUDES = [
  'test', 'idlelib', 'tkinter', 'turtledemo', 'turtle.py', 'ensurepip', 'pydoc_data', 'lib2to3',
  '__phello__', 'site-packages', 'venv', 'tests/**', 'idle_test/**',
];
