import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLibraryRecipes, planLibrary, readLibraryRecipes } from '@wasi-pystack/core';
import { LIBRARY_RECIPES_FILE } from './index';

const toolchain = { cc: '/t/cc', cxx: '/t/c++', ar: '/t/ar', ranlib: '/t/ranlib', nm: '/t/nm', strip: '/t/strip' } as never;
const ctx = { src: '/s/zlib', prefix: '/p', toolchain, build: 'x86_64-pc-linux-gnu', jobs: 3 };

describe('the library recipes (recipes/libraries.json)', () => {
  const recipes = readLibraryRecipes(LIBRARY_RECIPES_FILE);

  it('cover the five libraries of the stdlib C modules', () => {
    expect(recipes.libraries.map((l) => l.source)).toEqual(['zlib', 'bzip2', 'xz', 'mpdecimal', 'sqlite3']);
  });

  it('expand to commands with the toolchain, prefix and host', () => {
    const [configure, make] = planLibrary(recipes.libraries[0], ctx, recipes.cflags);
    expect(configure).toMatchObject({ argv: ['./configure', '--static', '--prefix=/p'], cwd: '/s/zlib', env: { CC: '/t/cc', CFLAGS: '-O2 -g0', CHOST: 'wasm32-unknown-wasip1' } });
    expect(make.argv).toEqual(['make', '-j3', 'libz.a']);
  });

  it('reject unknown keys and bad values by key path', () => {
    const raw = JSON.parse(readFileSync(LIBRARY_RECIPES_FILE, 'utf8'));
    raw.libraries[1].archives = raw.libraries[1].archive;
    delete raw.libraries[1].archive;
    raw.libraries[4].commands[0].argv = 'mkdir';
    expect(() => parseLibraryRecipes(JSON.stringify(raw), 'libraries.json')).toThrowError(
      'libraries.json has 3 problem(s)\n  libraries/1/archives: unknown key\n  libraries/1/archive: missing\n  libraries/4/commands/0/argv: must be a list, not string\n',
    );
  });
});
