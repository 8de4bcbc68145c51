#!/usr/bin/env node
// wasi-pystack-lock [--dry-run] [PROJECT_DIR ...]: pins each project's dependencies (default: the
// project in the working folder) in the workspace's deps/sources.lock.json. See lock-command.ts.
import { findWorkspaceRoot, reportFailure } from '@wasi-pystack/core';
import { lockCommand } from '../lock-command';

async function main() {
  const args = process.argv.slice(2);
  const dryRun = args.includes('--dry-run');
  const dirs = args.filter((a) => a !== '--dry-run');
  const root = findWorkspaceRoot();
  for (const dir of dirs.length ? dirs : [process.cwd()]) await lockCommand(root, dir, { dryRun });
}

main().catch((e) => {
  reportFailure(e);
  process.exitCode = 1;
});
