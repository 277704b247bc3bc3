// Renders the HTML report in headless Chromium and checks the DOM it builds: one row per syscall,
// the summary numbers, no markup injected by names from the binary, and the filter (driven through
// the URL fragment, which the page reads at load).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../analyzer/report/html.js';
import { sampleAnalysis } from './report-sample.js';

const run = promisify(execFile);
const outDir = resolve('build/report-html-test');
const page = join(outDir, 'report.html');
let profile = '';

async function dumpDom(fragment = ''): Promise<string> {
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`, '--dump-dom', `${pathToFileURL(page).href}${fragment}`,
  ];
  const { stdout } = await run('/usr/bin/chromium', args, { timeout: 60_000, maxBuffer: 16 << 20 });
  return stdout;
}

/** The <tr> start tags of the syscall table's body. */
function syscallRows(dom: string): string[] {
  const body = /<table id="syscalls">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(dom)?.[1] ?? '';
  return body.match(/<tr\b[^>]*>/g) ?? [];
}

beforeAll(() => {
  mkdirSync(outDir, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'ukify-chromium-'));
  writeFileSync(page, renderHtml(sampleAnalysis()));
});

afterAll(() => {
  rmSync(profile, { recursive: true, force: true });
});

describe('HTML report in Chromium', () => {
  it('shows one row per syscall, the summary and the counts, and no injected markup', async () => {
    const dom = await dumpDom();
    const rows = syscallRows(dom);
    expect(rows).toHaveLength(8);
    expect(rows.filter((r) => r.includes(' hidden'))).toHaveLength(0);
    expect(dom).toContain('<p id="summary">8 syscalls: 3 full, 2 partial, 1 fake, 1 stub, 1 missing; 2 unresolved sites</p>');
    expect(dom).toContain('<span id="shown">8 of 8 shown</span>');
    expect(dom).toContain('<b data-count="partial">2</b>');
    // The script ran (it rewrote #shown above); names from the binary stayed text.
    expect(dom).not.toMatch(/<img|<script>alert|<b>\.so|<i>\.so/);
    expect(dom).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('filters by text from the URL fragment', async () => {
    const rows = syscallRows(await dumpDom('#q=write'));
    const visible = rows.filter((r) => !r.includes(' hidden'));
    expect(visible).toHaveLength(1);
    expect(visible[0]).toContain('data-name="write"');
  });

  it('filters by status and by function name', async () => {
    const byStatus = syscallRows(await dumpDom('#status=missing,stub')).filter((r) => !r.includes(' hidden'));
    expect(byStatus.map((r) => /data-name="([^"]*)"/.exec(r)?.[1])).toEqual(['fork', 'epoll_pwait2']);
    // "slurp" is a function in the program that makes read(): only that row matches.
    const byFunction = syscallRows(await dumpDom('#q=slurp')).filter((r) => !r.includes(' hidden'));
    expect(byFunction.map((r) => /data-name="([^"]*)"/.exec(r)?.[1])).toEqual(['read']);
  });
});

describe('HTML report sorting in Chromium', () => {
  const names = (dom: string) => syscallRows(dom).map((r) => /data-name="([^"]*)"/.exec(r)?.[1]);

  it('sorts by name, by status severity, and by sites descending', async () => {
    expect(names(await dumpDom('#sort=name'))).toEqual(['close', 'epoll_pwait2', 'fork', 'ioctl', 'mlock', 'mmap', 'read', 'write']);
    // full < partial < fake < stub < missing, ties by number.
    expect(names(await dumpDom('#sort=rank'))).toEqual(['read', 'write', 'close', 'mmap', 'ioctl', 'mlock', 'fork', 'epoll_pwait2']);
    const dom = await dumpDom('#sort=-sites');
    // Sites 3, 2, 2, then the ones; rows with equal keys stay in number order.
    expect(names(dom)).toEqual(['read', 'write', 'mmap', 'close', 'ioctl', 'fork', 'mlock', 'epoll_pwait2']);
    expect(dom).toMatch(/<th class="num" data-key="sites" aria-sort="descending">/);
  });
});
