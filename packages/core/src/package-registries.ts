import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasiPystackError } from './errors';
import { queryCommand } from './run';

/**
 * Registry base addresses come from this machine's own client configuration, never from the lock file:
 * the lock says `debian:pool/main/...` or `pypi:<project>/<file>`, and this module finds where those live.
 *   debian: WASI_PYSTACK_DEBIAN_MIRROR, else the first `.../debian` URI in apt's sources
 *   pypi:   WASI_PYSTACK_PYPI_INDEX, else PIP_INDEX_URL, else pip's configured or built-in index
 * Anything with '://' is used as is (a plain URL mirror).
 */
export interface RegistryConfig {
  debianMirror?: string;
  pypiIndex?: string;
}

export function aptDebianMirror(etcApt = '/etc/apt'): string | undefined {
  const files: string[] = [];
  if (existsSync(join(etcApt, 'sources.list'))) files.push(join(etcApt, 'sources.list'));
  const dir = join(etcApt, 'sources.list.d');
  if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (/\.(list|sources)$/.test(f)) files.push(join(dir, f));
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!/^\s*(deb\s|URIs:)/.test(line)) continue;
      const uri = line.split(/\s+/).find((word) => /^https?:\/\/\S+\/debian\/?$/.test(word));
      if (uri) return uri.replace(/\/$/, '');
    }
  }
  return undefined;
}

/** The index this machine's pip uses (its configuration, else its built-in PyPI), if pip answers. */
export function pipIndex(): string | undefined {
  const python = process.env.PYTHON || 'python3';
  for (const args of [
    ['-m', 'pip', 'config', 'get', 'global.index-url'],
    ['-c', 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)'],
  ]) {
    try {
      const out = queryCommand({ argv: [python, ...args], cwd: process.cwd() }).trim();
      if (out) return out;
    } catch {
      /* try the next way */
    }
  }
  return undefined;
}

/** The PyPI index: WASI_PYSTACK_PYPI_INDEX, else PIP_INDEX_URL, else pip's (see the module comment). */
export const pypiIndexUrl = (env: NodeJS.ProcessEnv = process.env, askPip: () => string | undefined = pipIndex) => env.WASI_PYSTACK_PYPI_INDEX || env.PIP_INDEX_URL || askPip();

export function resolveRegistries(env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  return {
    debianMirror: env.WASI_PYSTACK_DEBIAN_MIRROR || aptDebianMirror(),
    pypiIndex: env.WASI_PYSTACK_PYPI_INDEX || env.PIP_INDEX_URL || undefined,
  };
}

/** Turns a mirror spec into a URL to download. PyPI specs need an index look-up (async). */
export async function mirrorUrl(spec: string, config: RegistryConfig): Promise<string> {
  if (spec.includes('://')) return spec;
  const colon = spec.indexOf(':');
  const registry = spec.slice(0, colon);
  const path = spec.slice(colon + 1);
  if (registry === 'debian') {
    if (!config.debianMirror) {
      throw new WasiPystackError('no Debian mirror is configured on this machine', 'set WASI_PYSTACK_DEBIAN_MIRROR to a Debian archive URL (the folder holding pool/)');
    }
    return `${config.debianMirror.replace(/\/$/, '')}/${path}`;
  }
  if (registry === 'pypi') {
    const index = (config.pypiIndex ??= pipIndex());
    if (!index) throw new WasiPystackError('no PyPI index is configured', 'set WASI_PYSTACK_PYPI_INDEX to a PEP 503 simple index URL');
    const [project, file] = path.split('/');
    const pageUrl = `${index.replace(/\/$/, '')}/${project}/`;
    const res = await fetch(pageUrl, { headers: { Accept: 'text/html' } });
    if (!res.ok) throw new Error(`index page ${pageUrl}: HTTP ${res.status}`);
    const html = await res.text();
    for (const m of html.matchAll(/href="([^"#]+)(#[^"]*)?"/g)) {
      const href = m[1].replace(/&amp;/g, '&');
      if (decodeURIComponent(href.split('/').pop()!) === file) return new URL(href, pageUrl).toString();
    }
    throw new Error(`index page ${pageUrl} does not list ${file}`);
  }
  throw new Error(`unknown registry '${registry}' in mirror '${spec}'`);
}
