import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources; the built JavaScript is what installed packages use
// (tests/packages covers that).
// @ts-expect-error: the root tsconfig types files as CommonJS; Vite loads this one as an ES module.
const packages = join(import.meta.dirname as string, 'packages');
// Packages that are data (a step file, its recipe and patches) have no TypeScript to alias.
const alias = Object.fromEntries(readdirSync(packages).filter((p) => existsSync(join(packages, p, 'src', 'index.ts'))).map((p) => [`@wasi-pystack/${p}`, join(packages, p, 'src', 'index.ts')]));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    // Runtime tests start real interpreters; these are guards against hangs, not performance limits.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
