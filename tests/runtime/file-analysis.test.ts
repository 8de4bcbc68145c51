// The file-analysis stack's pure half (issue 34): test-projects/file-analysis pins pandas with
// openpyxl, xlsxwriter, xlrd, BeautifulSoup + html5lib, olefile, pefile and charset-normalizer (all
// pinned by the lock command) and analyses each file a host hands it. Real files of each kind are
// read under wasmtime and Node; broken and hostile ones (a truncated workbook, a truncated
// executable, an entity bomb) end in a Python exception recorded as the file's result, never a trap.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './runtimes';
import { RUNTIMES, requireModule, type WadupResult } from './runtimes';

const REACTOR = requireModule('test-projects/file-analysis/dist/file-analysis.wasm');
const LIMITS = { deadlineMs: 30_000, maxMemory: '512MiB' };

/** A billion laughs: ten levels of ten entities each. */
const entityBomb = () => {
  const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('');
  return `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${levels}]><rows><row><v>&lol9;</v></row></rows>`;
};

const FILES: Record<string, string | Buffer> = {
  'make.txt': 'make-samples',
  'page.html': '<!DOCTYPE html><html><head><title>Rates</title></head><body><a href="x">x</a><table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table></body></html>',
  'data.xml': '<?xml version="1.0"?><rows><row><id>1</id><name>a</name></row><row><id>2</id><name>b</name></row></rows>',
  'latin1.txt': Buffer.from('Grüße aus Köln, schöne Grüße und viele Grüße aus München', 'latin1'),
  'truncated.xlsx': Buffer.from('PK\x03\x04garbage', 'latin1'),
  'truncated.exe': Buffer.from('MZ\x90\x00garbage', 'latin1'),
  'truncated.ole': Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(100)]),
  'bomb.xml': entityBomb(),
};

let dir: string;
const input = (name: string) => join(dir, name);
const analysis = (r: WadupResult) => JSON.parse(r.metadata['analysis.json']);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-analysis-'));
  for (const [name, content] of Object.entries(FILES)) writeFileSync(input(name), content);
  // A real workbook and a real PE32 executable, written with the standard library.
  execFileSync('python3', [join(ROOT, 'tests', 'fixtures', 'make_office_files.py'), dir]);
});

describe.each(RUNTIMES)('the file-analysis stack under $name', (runtime) => {
  it('reads a workbook, an executable, HTML, XML and text with their packages; writes a workbook with xlsxwriter', () => {
    const order = ['cities.xlsx', 'tiny.exe', 'page.html', 'data.xml', 'latin1.txt', 'make.txt'];
    const { results, stderr } = runtime.wadup(REACTOR, join(dir, `sandbox-${runtime.name}`), order.map(input), LIMITS);
    expect(results.map((r) => r.input), stderr).toEqual(order.map(input));
    const [xlsx, exe, html, xml, text, made] = results.map(analysis);
    // pandas + openpyxl read it; written again through xlsxwriter and read back, the frame is the same.
    expect(xlsx).toEqual({ kind: 'xlsx', sheets: { cities: { shape: [3, 2], columns: ['city', 'population'] } }, round_trip_equal: true, sums: { population: 12993000 } });
    expect(exe).toEqual({ kind: 'pe', machine: 'IMAGE_FILE_MACHINE_I386', sections: ['.text'], dll: false });
    expect(html).toEqual({ kind: 'html', title: 'Rates', links: 1, tables: [[2, 2]] });
    expect(xml).toEqual({ kind: 'xml', shape: [2, 2], columns: ['id', 'name'] });
    expect(text).toMatchObject({ kind: 'text', bytes: 56, encoding: expect.any(String) });
    expect(made).toEqual({ kind: 'samples', made: ['cities.xlsx'] });
    expect(results[5].subcontent).toEqual(['cities.xlsx']);
  });

  it('records broken and hostile files as Python exceptions and goes on to the next file', () => {
    const order = ['truncated.xlsx', 'truncated.exe', 'truncated.ole', 'bomb.xml', 'data.xml'];
    const { results, stderr } = runtime.wadup(REACTOR, join(dir, `hostile-${runtime.name}`), order.map(input), LIMITS);
    expect(results.map((r) => r.error)).toEqual(order.map(() => undefined));
    const [xlsx, exe, ole, bomb, after] = results.map(analysis);
    expect(xlsx).toEqual({ error: 'BadZipFile', message: 'File is not a zip file' });
    expect(exe).toMatchObject({ error: 'PEFormatError' });
    expect(ole.error).toEqual(expect.any(String));
    // expat's amplification limit stops the billion laughs: a ParseError, not a memory blow-up.
    expect(bomb).toMatchObject({ error: 'ParseError', message: expect.stringMatching(/amplification factor/) });
    expect(after).toMatchObject({ kind: 'xml', shape: [2, 2] });
    expect(stderr).not.toMatch(/Fatal|Segmentation|core dumped|RuntimeError: unreachable/);
  });
});
