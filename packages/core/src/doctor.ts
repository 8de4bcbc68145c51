import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readLock } from './lock';
import { cacheUsage } from './cache-hygiene';
import { cacheRoot } from './workspace-facts';
import { resolveRegistries } from './package-registries';
import { EMBEDDED_APT_PACKAGES, EMBEDDED_LLVM_BIN, missingHostPrograms } from './toolchain';
import { APT_PACKAGES, LLVM_VERSION, WASMTIME_PYTHON_PIN, venvPython } from './workspace-facts';

export interface DoctorCheck {
  what: string;
  ok: boolean;
  found: string;
  fix?: string;
}

/** Everything the toolchain needs on this machine, each with what was found and how to fix it. */
export function doctorChecks(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const sdk = env.WASI_SDK_PATH;
  if (sdk) {
    const ok = existsSync(join(sdk, 'bin', 'clang')) && existsSync(join(sdk, 'share', 'wasi-sysroot'));
    checks.push({ what: 'WASI toolchain', ok, found: `WASI_SDK_PATH=${sdk}`, fix: ok ? undefined : 'point WASI_SDK_PATH at an unpacked wasi-sdk, or unset it' });
  } else {
    const missing = missingHostPrograms();
    checks.push({
      what: `WASI toolchain (embedded: Debian clang/lld/llvm ${LLVM_VERSION} + pinned wasm32 packages)`,
      ok: missing.length === 0,
      found: missing.length ? `missing ${missing.join(', ')}` : EMBEDDED_LLVM_BIN,
      fix: missing.length ? `npm run setup (apt-get install ${EMBEDDED_APT_PACKAGES.join(' ')})` : undefined,
    });
  }
  const buildTools = APT_PACKAGES.filter((p) => !p.embeddedToolchain);
  const missingTools = buildTools.filter((p) => !existsSync(p.provides));
  checks.push({
    what: `build tools (${buildTools.map((p) => basename(p.provides)).join(', ')})`,
    ok: missingTools.length === 0,
    found: missingTools.length ? `missing ${missingTools.map((p) => p.provides).join(', ')}` : buildTools.map((p) => p.provides).join(' '),
    fix: missingTools.length ? `npm run setup (apt-get install ${missingTools.map((p) => p.package).join(' ')})` : undefined,
  });
  try {
    const lock = readLock(workspaceRoot);
    checks.push({ what: 'lock file', ok: true, found: `${Object.keys(lock.sources).length} sources in ${lock.path}` });
  } catch (e) {
    checks.push({ what: 'lock file', ok: false, found: (e as Error).message, fix: 'correct deps/sources.lock.json' });
  }
  const registries = resolveRegistries(env);
  checks.push({ what: 'Debian mirror', ok: !!registries.debianMirror, found: registries.debianMirror ?? 'none in apt sources', fix: 'set WASI_PYSTACK_DEBIAN_MIRROR' });
  const venv = venvPython(cacheRoot(env));
  checks.push({ what: `${WASMTIME_PYTHON_PIN} (Python package, for tests)`, ok: existsSync(venv), found: existsSync(venv) ? venv : 'no venv', fix: 'npm run setup' });
  const usage = cacheUsage(cacheRoot(env));
  const parts = Object.entries(usage.byFolder).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([name, bytes]) => `${name} ${(bytes / 1e9).toFixed(2)} GB`);
  checks.push({ what: 'cache', ok: true, found: `${cacheRoot(env)}: ${(usage.total / 1e9).toFixed(2)} GB (${parts.join(', ')}); npm run cache:prune removes what no lock refers to` });
  return checks;
}
