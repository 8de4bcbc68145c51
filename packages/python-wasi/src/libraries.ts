import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUTOCONF_HOST, type Command, type Toolchain } from '@wasi-pystack/core';

/**
 * The C libraries behind stdlib modules (zlib, _bz2, _lzma, _decimal, _sqlite3), each built for
 * wasm32-wasip1 as a static library into one prefix with a pkg-config file, where CPython's
 * configure finds them through PKG_CONFIG_LIBDIR.
 */
export interface LibraryContext {
  /** Unpacked source tree (the recipe may build in it). */
  src: string;
  /** Install prefix shared by all libraries: include/, lib/, lib/pkgconfig/. */
  prefix: string;
  toolchain: Toolchain;
  /** config.guess of the build machine. */
  build: string;
  jobs: number;
}

export interface LibraryRecipe {
  /** Key in deps/sources.lock.json. */
  source: string;
  /** The static archive it installs (relative to the prefix). */
  archive: string;
  plan(ctx: LibraryContext): Command[];
  /** Files to write before the commands run (pkg-config files for libraries without one). */
  files?(ctx: LibraryContext, version: string): Record<string, string>;
}

const CFLAGS = '-O2 -g0';

function toolEnv(t: Toolchain): Record<string, string> {
  return { CC: t.cc, CXX: t.cxx, AR: t.ar, RANLIB: t.ranlib, NM: t.nm, STRIP: t.strip, CFLAGS, CXXFLAGS: CFLAGS };
}

const pkgConfig = (prefix: string, name: string, version: string, libs: string) =>
  [`prefix=${prefix}`, 'libdir=${prefix}/lib', 'includedir=${prefix}/include', '', `Name: ${name}`, `Description: ${name} for wasm32-wasip1 (wasi-pystack)`, `Version: ${version}`, `Libs: -L\${libdir} ${libs}`, 'Cflags: -I${includedir}', ''].join('\n');

export const zlib: LibraryRecipe = {
  source: 'zlib',
  archive: 'lib/libz.a',
  plan: (ctx) => {
    const env = { ...toolEnv(ctx.toolchain), CHOST: AUTOCONF_HOST };
    return [
      { argv: ['./configure', '--static', `--prefix=${ctx.prefix}`], cwd: ctx.src, env },
      { argv: ['make', `-j${ctx.jobs}`, 'libz.a'], cwd: ctx.src, env },
      { argv: ['make', 'install'], cwd: ctx.src, env },
    ];
  },
};

export const bzip2: LibraryRecipe = {
  source: 'bzip2',
  archive: 'lib/libbz2.a',
  plan: (ctx) => {
    const t = ctx.toolchain;
    const vars = [`CC=${t.cc}`, `AR=${t.ar}`, `RANLIB=${t.ranlib}`, `CFLAGS=${CFLAGS} -D_FILE_OFFSET_BITS=64`];
    return [
      { argv: ['make', `-j${ctx.jobs}`, 'libbz2.a', ...vars], cwd: ctx.src },
      { argv: ['install', '-D', '-m644', 'libbz2.a', join(ctx.prefix, 'lib', 'libbz2.a')], cwd: ctx.src },
      { argv: ['install', '-D', '-m644', 'bzlib.h', join(ctx.prefix, 'include', 'bzlib.h')], cwd: ctx.src },
    ];
  },
  files: (ctx, version) => ({ 'lib/pkgconfig/bzip2.pc': pkgConfig(ctx.prefix, 'bzip2', version, '-lbz2') }),
};

const autoconfHost = (ctx: LibraryContext) => [`--host=${AUTOCONF_HOST}`, `--build=${ctx.build}`, `--prefix=${ctx.prefix}`, '--disable-shared', '--enable-static'];

export const xz: LibraryRecipe = {
  source: 'xz',
  archive: 'lib/liblzma.a',
  plan: (ctx) => {
    const env = toolEnv(ctx.toolchain);
    const off = ['threads', 'xz', 'xzdec', 'lzmadec', 'lzmainfo', 'lzma-links', 'scripts', 'doc', 'nls'].map((f) => `--disable-${f}`);
    return [
      { argv: ['./configure', ...autoconfHost(ctx), ...off], cwd: ctx.src, env },
      { argv: ['make', `-j${ctx.jobs}`, '-C', 'src/liblzma'], cwd: ctx.src, env },
      { argv: ['make', '-C', 'src/liblzma', 'install'], cwd: ctx.src, env },
    ];
  },
};

export const mpdecimal: LibraryRecipe = {
  source: 'mpdecimal',
  archive: 'lib/libmpdec.a',
  plan: (ctx) => {
    // context.c raises SIGFPE on traps: WASI has signals only through its emulation library,
    // which CPython links anyway (-lwasi-emulated-signal).
    const env = { ...toolEnv(ctx.toolchain), CFLAGS: `${CFLAGS} -D_WASI_EMULATED_SIGNAL` };
    return [
      { argv: ['./configure', ...autoconfHost(ctx), '--disable-cxx', '--disable-doc'], cwd: ctx.src, env },
      { argv: ['make', `-j${ctx.jobs}`, '-C', 'libmpdec', 'libmpdec.a'], cwd: ctx.src, env },
      { argv: ['install', '-D', '-m644', 'libmpdec/libmpdec.a', join(ctx.prefix, 'lib', 'libmpdec.a')], cwd: ctx.src },
      { argv: ['install', '-D', '-m644', 'libmpdec/mpdecimal.h', join(ctx.prefix, 'include', 'mpdecimal.h')], cwd: ctx.src },
    ];
  },
  files: (ctx, version) => ({ 'lib/pkgconfig/libmpdec.pc': pkgConfig(ctx.prefix, 'libmpdec', version, '-lmpdec') }),
};

/** Flags for SQLite on WASI: no threads, no extension loading (no dlopen), no memory-mapped I/O. */
export const SQLITE_DEFINES = ['-DSQLITE_THREADSAFE=0', '-DSQLITE_OMIT_LOAD_EXTENSION', '-DSQLITE_OMIT_WAL', '-DSQLITE_MAX_MMAP_SIZE=0', '-DSQLITE_ENABLE_FTS5', '-DSQLITE_ENABLE_MATH_FUNCTIONS', '-DSQLITE_ENABLE_JSON1', '-D_WASI_EMULATED_MMAN', '-D_WASI_EMULATED_GETPID'];

/** SQLite's release tree: the amalgamation (sqlite3.c) is generated natively (tclsh), then compiled for wasm32. */
export const sqlite3: LibraryRecipe = {
  source: 'sqlite3',
  archive: 'lib/libsqlite3.a',
  plan: (ctx) => {
    const t = ctx.toolchain;
    const native = join(ctx.src, 'native-build');
    return [
      { argv: ['mkdir', '-p', native], cwd: ctx.src },
      { argv: ['../configure', '--disable-tcl'], cwd: native },
      { argv: ['make', `-j${ctx.jobs}`, 'sqlite3.c'], cwd: native },
      { argv: [t.cc, ...CFLAGS.split(' '), ...SQLITE_DEFINES, '-c', 'sqlite3.c', '-o', 'sqlite3.o'], cwd: native },
      { argv: [t.ar, 'rcs', join(ctx.prefix, 'lib', 'libsqlite3.a'), 'sqlite3.o'], cwd: native },
      { argv: ['install', '-D', '-m644', 'sqlite3.h', join(ctx.prefix, 'include', 'sqlite3.h')], cwd: native },
      { argv: ['install', '-D', '-m644', 'sqlite3ext.h', join(ctx.prefix, 'include', 'sqlite3ext.h')], cwd: native },
    ];
  },
  files: (ctx, version) => ({ 'lib/pkgconfig/sqlite3.pc': pkgConfig(ctx.prefix, 'sqlite3', version, '-lsqlite3 -lwasi-emulated-mman -lwasi-emulated-getpid') }),
};

export const LIBRARIES: LibraryRecipe[] = [zlib, bzip2, xz, mpdecimal, sqlite3];

export function writeLibraryFiles(recipe: LibraryRecipe, ctx: LibraryContext, version: string): void {
  for (const [rel, text] of Object.entries(recipe.files?.(ctx, version) ?? {})) {
    const path = join(ctx.prefix, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}
