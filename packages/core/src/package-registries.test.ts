import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aptDebianMirror } from './package-registries';

describe('aptDebianMirror', () => {
  it('finds the Debian archive in deb822 .sources files, skipping other archives', () => {
    const etc = mkdtempSync(join(tmpdir(), 'apt-'));
    mkdirSync(join(etc, 'sources.list.d'));
    writeFileSync(join(etc, 'sources.list.d', 'a.sources'), 'Types: deb\nURIs: http://mirror.example/debian-security\n');
    writeFileSync(join(etc, 'sources.list.d', 'b.sources'), 'Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie\n');
    expect(aptDebianMirror(etc)).toBe('http://mirror.example/debian');
  });

  it('reads one-line sources.list entries and ignores comments', () => {
    const etc = mkdtempSync(join(tmpdir(), 'apt-'));
    writeFileSync(join(etc, 'sources.list'), '# deb http://old.example/debian bookworm main\ndeb http://new.example/debian/ bookworm main\n');
    expect(aptDebianMirror(etc)).toBe('http://new.example/debian');
  });
});
