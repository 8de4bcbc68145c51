import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WasiPystackError } from '../errors';
import { normalizePackageName } from '../lock';
import { pypiIndexUrl } from '../package-registries';
import { queryCommand } from '../run';

/**
 * A PyPI-style index as the resolver reads it: a project's files (PEP 691 JSON simple API) and a
 * wheel's core metadata (PEP 658/714: `<file url>.metadata`), never a whole wheel.
 */
export interface IndexFile {
  filename: string;
  url: string;
  sha256: string;
  requiresPython?: string;
  /** The page says the index serves the wheel's METADATA beside it (PEP 714); metadata() also tries when it does not. */
  hasMetadata: boolean;
  yanked: boolean;
}

export interface PackageIndex {
  /** The files of a project; an empty list when the index has no such project. */
  files(project: string): Promise<IndexFile[]>;
  /** The core metadata (METADATA) of a wheel. */
  metadata(file: IndexFile): Promise<string>;
}

export interface WheelName {
  name: string;
  version: string;
  pythonTags: string[];
  abi: string;
  platform: string;
}

/** "Jinja2-3.1.6-py3-none-any.whl" -> its parts (PEP 427), or undefined for another file. */
export function parseWheelName(filename: string): WheelName | undefined {
  const m = /^([^-]+)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/.exec(filename);
  if (!m) return undefined;
  return { name: normalizePackageName(m[1]), version: m[2], pythonTags: m[3].split('.'), abi: m[4], platform: m[5] };
}

/** A wheel any CPython 3 on any platform can use: pure Python (py3 or py2.py3, none, any). */
export const isPureWheel = (w: WheelName) => w.abi === 'none' && w.platform === 'any' && w.pythonTags.some((t) => t === 'py3' || /^py3\d*$/.test(t));

/** The version a file of a project is ("pkg-1.0.tar.gz", "pkg-1.0-py3-none-any.whl"), if it says. */
export function fileVersion(project: string, filename: string): string | undefined {
  const wheel = parseWheelName(filename);
  if (wheel) return wheel.version;
  const m = /^(.+)-([^-]+)\.(?:tar\.gz|zip|tar\.bz2)$/.exec(filename);
  return m && normalizePackageName(m[1]) === normalizePackageName(project) ? m[2] : undefined;
}

/** The index at `base` (a PEP 503/691 simple index URL, e.g. https://pypi.org/simple). */
export function simpleIndex(base: string): PackageIndex {
  const root = base.replace(/\/$/, '');
  return {
    async files(project) {
      const url = `${root}/${normalizePackageName(project)}/`;
      const res = await fetch(url, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' } });
      if (res.status === 404) return [];
      if (!res.ok) throw new WasiPystackError(`the index answered HTTP ${res.status} for ${url}`, 'check the index (WASI_PYSTACK_PYPI_INDEX) and try again');
      const page = (await res.json()) as { files?: { filename: string; url: string; hashes?: { sha256?: string }; 'requires-python'?: string | null; 'core-metadata'?: unknown; 'dist-info-metadata'?: unknown; yanked?: unknown }[] };
      if (!Array.isArray(page.files)) throw new WasiPystackError(`${url} is not a PEP 691 JSON page`, 'use an index that serves the JSON simple API (PyPI does)');
      return page.files
        .filter((f) => f.hashes?.sha256)
        .map((f) => ({
          filename: f.filename,
          url: new URL(f.url, url).toString(),
          sha256: f.hashes!.sha256!,
          ...(f['requires-python'] ? { requiresPython: f['requires-python'] } : {}),
          hasMetadata: Boolean(f['core-metadata'] ?? f['dist-info-metadata']),
          yanked: Boolean(f.yanked),
        }));
    },
    async metadata(file) {
      const url = file.url.split('#')[0];
      // PEP 658 beside the wheel (PyPI serves it for old wheels too, whatever their page says) ...
      const res = await fetch(`${url}.metadata`);
      if (res.ok) return res.text();
      // ... else the wheel itself (a pure wheel is small), its *.dist-info/METADATA.
      const wheel = await fetch(url);
      if (!wheel.ok) throw new WasiPystackError(`the index serves neither the metadata nor the wheel ${file.filename} (HTTP ${wheel.status})`, 'check the index (WASI_PYSTACK_PYPI_INDEX) and try again');
      return metadataOfWheel(Buffer.from(await wheel.arrayBuffer()), file.filename);
    },
  };
}

/** The METADATA of a wheel's bytes, read by this machine's Python (zipfile). */
function metadataOfWheel(bytes: Buffer, filename: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-pystack-wheel-'));
  try {
    writeFileSync(join(dir, 'w.whl'), bytes);
    const script = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nnames = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]\nsys.stdout.write(z.read(names[0]).decode() if names else "")';
    const text = queryCommand({ argv: [process.env.PYTHON || 'python3', '-c', script, join(dir, 'w.whl')], cwd: dir });
    if (!text) throw new WasiPystackError(`${filename} holds no .dist-info/METADATA`, 'pin another release of it');
    return text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Requires-Dist lines of a METADATA file ("MarkupSafe>=2.0", "babel>=2.7; extra == \"i18n\""). */
export function requiresDist(metadata: string): string[] {
  const headers = metadata.split(/\r?\n\r?\n/)[0];
  return [...headers.matchAll(/^Requires-Dist:[ \t]*(.+)$/gim)].map((m) => m[1].trim());
}

/** The index the lock command asks: the one `pypi:` mirrors are fetched from (package-registries.ts), else PyPI. */
export const lockIndexUrl = (env: NodeJS.ProcessEnv = process.env) => pypiIndexUrl(env) || 'https://pypi.org/simple';
