// Unit tests of the report renderers on hand-built Analysis values (test/report-sample.ts).
// Expected strings and counts are written out from the sample, never taken from a renderer.
import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../syscall-shim/catalog.js';
import { catalogSummary, renderCatalogJson, renderCatalogTable } from '../analyzer/report/catalog.js';
import { ansiPaint, noPaint, wantColor } from '../analyzer/report/color.js';
import { escapeHtml } from '../analyzer/report/html-escape.js';
import { renderHtml } from '../analyzer/report/html.js';
import { renderJson } from '../analyzer/report/json.js';
import { mdCode, mdText, renderMarkdown } from '../analyzer/report/markdown.js';
import { groupOrigins, originSummary } from '../analyzer/report/origins.js';
import { progressLine } from '../analyzer/report/progress.js';
import { coverageLine } from '../analyzer/report/summary.js';
import { renderTable } from '../analyzer/report/table.js';
import { renderTerminal } from '../analyzer/report/terminal.js';
import { terminalSafe, truncate } from '../analyzer/report/text.js';
import { emptyAnalysis, sampleAnalysis } from './report-sample.js';

const summary = '8 syscalls: 3 full, 2 partial, 1 fake, 1 stub, 1 missing; 2 unresolved sites';
const libc = '/lib/x86_64-linux-gnu/libc.so.6';

describe('summary line', () => {
  it('has the exact documented form', () => {
    expect(coverageLine(sampleAnalysis().coverage)).toBe(summary);
    expect(coverageLine(emptyAnalysis().coverage)).toBe('0 syscalls: 0 full, 0 partial, 0 fake, 0 stub, 0 missing; 0 unresolved sites');
  });
});

describe('origins', () => {
  it('abbreviates to the first origin and the number of others', () => {
    const o = (object: string, fn: string) => ({ object, function: fn });
    expect(originSummary([])).toBe('');
    expect(originSummary([o(libc, '__close')])).toBe('libc.so.6: __close');
    expect(originSummary([o(libc, '__write'), o(libc, 'write'), o('/bin/app', 'main'), o('/bin/app', 'log')])).toBe(
      'libc.so.6: __write, +3 more',
    );
    // The same function reached twice counts once.
    expect(originSummary([o(libc, 'read'), o(libc, 'read')])).toBe('libc.so.6: read');
  });

  it('groups by object in order of appearance', () => {
    const groups = groupOrigins([
      { object: '/bin/app', function: 'a' },
      { object: libc, function: 'b' },
      { object: '/bin/app', function: 'c' },
    ]);
    expect(groups).toEqual([
      { object: 'app', path: '/bin/app', functions: ['a', 'c'] },
      { object: 'libc.so.6', path: libc, functions: ['b'] },
    ]);
  });
});

describe('text helpers', () => {
  it('shows control characters instead of sending them to the terminal', () => {
    expect(terminalSafe('a\u001b[2Jb\r\n\u009b')).toBe('a\\x1b[2Jb\\x0d\\x0a\\x9b');
    expect(terminalSafe('plain_name@@GLIBC_2.2.5')).toBe('plain_name@@GLIBC_2.2.5');
  });

  it('truncates with an ellipsis to the given length', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdefg', 6)).toBe('abcde…');
  });

  it('lays out a table with aligned columns and no trailing blanks', () => {
    const lines = renderTable(
      [{ title: 'N', align: 'right' }, { title: 'NAME' }, { title: 'X' }],
      [
        [{ text: '7' }, { text: 'ab' }, { text: '' }],
        [{ text: '123' }, { text: 'abcdef' }, { text: 'z' }],
      ],
    );
    expect(lines).toEqual(['  N  NAME    X', '  7  ab', '123  abcdef  z']);
  });
});

describe('colour', () => {
  it('is used on a terminal only, never with NO_COLOR or TERM=dumb', () => {
    expect(wantColor(true, {})).toBe(true);
    expect(wantColor(false, {})).toBe(false);
    expect(wantColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantColor(true, { NO_COLOR: '' })).toBe(true); // no-color.org: only a non-empty value counts
    expect(wantColor(true, { TERM: 'dumb' })).toBe(false);
  });
});

describe('terminal report', () => {
  const plain = renderTerminal(sampleAnalysis());
  const lines = plain.split('\n');

  it('has one row per syscall with number, name, status, sites and origin', () => {
    const row = (nr: number) => lines.find((l) => new RegExp(`^\\s*${nr}\\s`).test(l)) ?? '';
    expect(row(0)).toMatch(/^\s*0\s+read\s+full\s+3\s+libc\.so\.6: __read, \+3 more$/);
    expect(row(3)).toMatch(/^\s*3\s+close\s+full\s+1\s+libc\.so\.6: __close$/);
    expect(row(57)).toMatch(/^\s*57\s+fork\s+stub\s+1\s+libc\.so\.6: _Fork$/);
    expect(row(149)).toMatch(/^\s*149\s+mlock\s+fake\s+1\s+libc\.so\.6: mlock$/);
    // A long origin is cut, not wrapped.
    expect(row(441)).toMatch(/^\s*441\s+epoll_pwait2\s+missing\s+1\s+libc\.so\.6: epoll_pwait2_with_a_very_long_name\S*…$/);
    const tableRows = lines.filter((l) => /^\s*\d+\s+[a-z_0-9]+\s+(full|partial|fake|stub|missing)\s/.test(l));
    expect(tableRows).toHaveLength(8);
  });

  it('aligns the status column', () => {
    const starts = lines.filter((l) => / (full|partial|fake|stub|missing) /.test(l)).map((l) => l.search(/ (full|partial|fake|stub|missing) /));
    expect(new Set(starts).size).toBe(1);
  });

  it('lists unresolved and 32-bit sites with address, function, object and reason', () => {
    expect(plain).toMatch(/Unresolved syscall sites.*: 2\n/);
    expect(plain).toMatch(/^ {2}0x11e0a9\s+syscall\s+libc\.so\.6\s+number comes from a function argument$/m);
    expect(plain).toMatch(/^ {2}0x4011a0\s+evil\|name`<img src=x onerror=alert\(2\)>\s+demo-server\s+number loaded from memory$/m);
    expect(plain).toMatch(/32-bit ABI sites.*: 1\n/);
    expect(plain).toMatch(/^ {2}0x401200\s+legacy_exit\s+demo-server\s+int 0x80$/m);
  });

  it('says where the analysis was unsure: a count per object and reason', () => {
    expect(plain).toMatch(/Where the analysis is unsure.*: 3\n/);
    expect(plain).toMatch(/^ {2}\s*3\s+demo-server\s+code addresses found only in data, decoded as functions$/m);
    expect(renderTerminal(emptyAnalysis())).not.toContain('unsure');
  });

  it('names the binary, interpreter and libraries, and ends with the summary', () => {
    expect(lines[0]).toBe('/opt/demo/bin/demo-server: x86-64 dynamic-pie');
    expect(plain).toContain('interpreter: /lib64/ld-linux-x86-64.so.2\n');
    expect(lines[2]).toBe('libraries: 2');
    expect(lines[3]).toMatch(/^ {2}libc\.so\.6\s+\/lib\/x86_64-linux-gnu\/libc\.so\.6$/);
    expect(lines[4]).toMatch(/^ {2}libevil<b>\.so\s+\/tmp\/lib"evil"<i>\.so$/);
    expect(lines[5]).toBe('');
    expect(plain.endsWith(`\n${summary}\n`)).toBe(true);
  });

  it('has no escape sequences without colour, and colours each status with it', () => {
    expect(plain).not.toContain('\u001b');
    const coloured = renderTerminal(sampleAnalysis(), ansiPaint);
    expect(coloured).toContain('\u001b[32mfull');
    expect(coloured).toContain('\u001b[31mmissing\u001b[0m');
    expect(coloured.match(/\u001b\[3\dm/g)).toHaveLength(8); // one colour per row, nothing else
    expect(coloured.match(/\u001b\[0m/g)).toHaveLength(8);
  });

  it('cannot be made to emit escape sequences by a symbol name', () => {
    const a = sampleAnalysis();
    a.syscalls[0]!.from = [{ object: libc, function: 'x\u001b]0;pwned\u0007' }];
    a.unresolved[0]!.function = '\u001b[2J';
    const out = renderTerminal(a, noPaint);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(out).toContain('libc.so.6: x\\x1b]0;pwned\\x07');
  });

  it('says so when no syscall was found', () => {
    const out = renderTerminal(emptyAnalysis());
    expect(out).toContain('no syscall sites found');
    expect(out).toContain('interpreter: none\nlibraries: none\n');
    expect(out).not.toContain('Unresolved');
  });
});

describe('JSON report', () => {
  it('has exactly the documented shape', () => {
    const a = sampleAnalysis();
    const j = JSON.parse(renderJson(a)) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['binary', 'arch', 'type', 'interpreter', 'libraries', 'syscalls', 'unresolved', 'abi32Sites', 'doubts', 'coverage']);
    expect(j.binary).toBe('/opt/demo/bin/demo-server');
    expect(j.type).toBe('dynamic-pie');
    expect(j.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(j.coverage).toEqual({ total: 8, full: 3, partial: 2, fake: 1, stub: 1, missing: 1, unresolved: 2 });
    const syscalls = j.syscalls as Record<string, unknown>[];
    expect(syscalls.map((s) => s.nr)).toEqual([0, 1, 3, 9, 16, 57, 149, 441]);
    expect(Object.keys(syscalls[0]!)).toEqual(['nr', 'name', 'status', 'note', 'sites', 'from']);
    expect(syscalls[3]).toEqual({
      nr: 9,
      name: 'mmap',
      status: 'partial',
      note: 'no MAP_SHARED file mappings',
      sites: 2,
      from: [
        { object: libc, function: '__mmap' },
        { object: '/opt/demo/bin/demo-server', function: '<script>alert(1)</script>' },
      ],
    });
    expect(j.unresolved).toEqual([
      { address: '0x11e0a9', function: 'syscall', reason: 'number comes from a function argument', object: libc },
      { address: '0x4011a0', function: 'evil|name`<img src=x onerror=alert(2)>', reason: 'number loaded from memory', object: '/opt/demo/bin/demo-server' },
    ]);
    expect(j.abi32Sites).toEqual([{ address: '0x401200', function: 'legacy_exit', reason: 'int 0x80', object: '/opt/demo/bin/demo-server' }]);
    expect(j.doubts).toEqual([{ object: '/opt/demo/bin/demo-server', reason: 'code addresses found only in data, decoded as functions', count: 3 }]);
    expect(j.libraries).toEqual(a.libraries);
  });
});

describe('Markdown report', () => {
  const md = renderMarkdown(sampleAnalysis());
  // GFM splits a row on pipes that are not backslash-escaped.
  const cells = (line: string) => line.split(/(?<!\\)\|/).length - 2;

  it('is a table with one row per syscall, every row with the header’s cell count', () => {
    const lines = md.split('\n');
    const start = lines.findIndex((l) => l.startsWith('| Nr |'));
    expect(start).toBeGreaterThan(0);
    expect(lines[start + 1]).toBe('| ---: | --- | --- | ---: | --- | --- |');
    const rows = lines.slice(start + 2, lines.indexOf('', start));
    expect(rows).toHaveLength(8);
    for (const r of [lines[start]!, ...rows]) expect(cells(r)).toBe(6);
    expect(rows[0]).toBe('| 0 | `read` | full | 3 | `libc.so.6`: `__read`, `__read_nocancel`, `read`<br>`demo-server`: `slurp` |  |');
    expect(rows[4]).toBe('| 16 | `ioctl` | partial | 1 | `libc.so.6`: `ioctl` | TCGETS and FIONBIO only |');
  });

  it('carries the summary and the site tables', () => {
    expect(md).toContain(`**${summary}**`);
    expect(md).toContain('### Unresolved syscall sites (2)');
    expect(md).toContain('### 32-bit ABI sites (1)');
    const siteRow = md.split('\n').find((l) => l.startsWith('| `0x4011a0`')) ?? '';
    expect(cells(siteRow)).toBe(4);
  });

  it('escapes names into code spans and prose with backslashes', () => {
    expect(mdCode('a|b')).toBe('`a\\|b`');
    expect(mdCode('x`y')).toBe('``x`y``');
    expect(mdCode('`x')).toBe('`` `x ``');
    expect(mdCode('a\nb')).toBe('`a\\x0ab`');
    expect(mdText('MAP_SHARED <b> | *x*')).toBe('MAP\\_SHARED \\<b\\> \\| \\*x\\*');
  });
});

describe('HTML report', () => {
  const html = renderHtml(sampleAnalysis());

  it('escapes every string from the binary', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>.so');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('evil|name`&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('/tmp/lib&quot;evil&quot;&lt;i&gt;.so');
    // The only script element is our own.
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('is self-contained: no external resources', () => {
    // Strings from the binary are escaped, so every real tag is ours: none of them loads anything.
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b|<[a-z]+\s[^>]*\b(src|href)=|url\(|@import/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain("default-src 'none'");
  });

  it('has one row per syscall, the summary, the bar and the site tables', () => {
    expect(html.match(/<tr data-nr=/g)).toHaveLength(8);
    expect(html).toContain(`<p id="summary">${summary}</p>`);
    // Bar segments carry the counts: every status here is non-zero.
    for (const [status, n] of [['full', 3], ['partial', 2], ['fake', 1], ['stub', 1], ['missing', 1]] as const) {
      expect(html).toContain(`class="seg s-${status}" style="flex-grow:${n}"`);
      expect(html).toContain(`<b data-count="${status}">${n}</b>`);
    }
    expect(html).toContain('<table id="unresolved">');
    expect(html).toContain('<table id="abi32">');
    // Several origins expand; a single one does not.
    expect(html.match(/<details>/g)).toHaveLength(3); // read, write, mmap
  });

  it('leaves out empty sections and bar segments', () => {
    const empty = renderHtml(emptyAnalysis());
    expect(empty).not.toContain('<tr data-nr=');
    expect(empty).not.toContain('class="seg');
    expect(empty).not.toContain('id="unresolved"');
    expect(empty).toContain('No syscall sites found.');
  });
});

describe('catalog report', () => {
  const entries: CatalogEntry[] = [
    { nr: 0, name: 'read', status: 'full', note: '' },
    { nr: 16, name: 'ioctl', status: 'partial', note: 'TCGETS only' },
    { nr: 57, name: 'fork', status: 'stub', note: '-ENOSYS' },
    { nr: 135, name: 'personality', status: 'missing', note: '' },
  ];

  it('prints a row per entry with its note, then the counts', () => {
    const lines = renderCatalogTable(entries).split('\n');
    expect(lines[0]).toBe(' NR  NAME         STATUS   NOTE');
    expect(lines[2]).toBe(' 16  ioctl        partial  TCGETS only');
    expect(lines[4]).toBe('135  personality  missing');
    expect(lines.at(-2)).toBe('4 syscalls: 1 full, 1 partial, 0 fake, 1 stub, 1 missing');
    expect(catalogSummary([])).toBe('0 syscalls: 0 full, 0 partial, 0 fake, 0 stub, 0 missing');
  });

  it('prints JSON entries and counts', () => {
    expect(JSON.parse(renderCatalogJson(entries))).toEqual({
      syscalls: entries,
      counts: { total: 4, full: 1, partial: 1, fake: 0, stub: 1, missing: 1 },
    });
  });
});

describe('progress line', () => {
  function stream(isTTY: boolean) {
    const written: string[] = [];
    return { isTTY, columns: 30, written, write: (t: string) => written.push(t) };
  }

  it('writes nothing when stderr is not a terminal', () => {
    const s = stream(false);
    const p = progressLine(s);
    p.update('reading libc.so.6');
    p.done();
    expect(s.written).toEqual([]);
  });

  it('rewrites one line, never wider than the terminal, and clears it at the end', () => {
    const s = stream(true);
    const p = progressLine(s);
    p.update('reading libc.so.6');
    p.update('disassembling a very long library name that does not fit');
    p.done();
    expect(s.written[0]).toBe('\r\u001b[2Kreading libc.so.6');
    // 30 columns: 29 characters, the last one the ellipsis.
    expect(s.written[1]).toBe('\r\u001b[2Kdisassembling a very long li…');
    expect(s.written[2]).toBe('\r\u001b[2K');
    expect(s.written.join('')).not.toContain('\n');
  });

  it('takes 80 columns when the terminal does not say its width', () => {
    const written: string[] = [];
    const p = progressLine({ isTTY: true, columns: 0, write: (t: string) => written.push(t) });
    p.update('x'.repeat(100));
    expect(written[0]).toBe(`\r\u001b[2K${'x'.repeat(78)}…`);
  });

  it('clears nothing when nothing was shown', () => {
    const s = stream(true);
    progressLine(s).done();
    expect(s.written).toEqual([]);
  });
});
