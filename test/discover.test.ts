// Static discovery's rules (packager/discover/) on a made-up host tree, and the paths the analyzer
// reads out of real binaries checked against `strings`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProgramFiles } from '../analyzer/analysis.js';
import { readElf } from '../analyzer/elf/index.js';
import { namedPaths } from '../analyzer/named-paths.js';
import { pathsInConfig } from '../packager/discover/config-scan.js';
import { discover } from '../packager/discover/discover.js';
import type { Addition } from '../packager/discover/found.js';
import type { HostFs, HostStat } from '../packager/discover/host.js';
import { DIR_LIMIT } from '../packager/discover/named.js';
import { additionLines } from '../packager/discover/report.js';
import { systemGroups, systemUsers, userNames } from '../packager/discover/users.js';

type Node = { file: string } | { link: string } | { dir: true } | { big: number };

/** A host file system from a table of paths (parents of listed paths are directories). */
function fakeHost(table: Record<string, Node>): HostFs {
  const nodes = new Map(Object.entries(table));
  const isDir = (p: string): boolean => (nodes.get(p) as { dir?: true })?.dir === true || [...nodes.keys()].some((k) => k.startsWith(`${p}/`));
  const lstat = (p: string): HostStat | undefined => {
    const n = nodes.get(p);
    if (n !== undefined && 'link' in n) return { kind: 'symlink', size: 0 };
    if (n !== undefined && 'file' in n) return { kind: 'file', size: n.file.length };
    if (n !== undefined && 'big' in n) return { kind: 'file', size: n.big };
    return isDir(p) ? { kind: 'dir', size: 0 } : undefined;
  };
  const below = (dir: string): string[] => [...nodes.keys()].filter((k) => k.startsWith(`${dir}/`));
  return {
    lstat,
    readlink: (p) => (nodes.get(p) as { link?: string })?.link,
    treeSize: (dir) => below(dir).reduce((sum, k) => sum + (lstat(k)?.kind === 'file' ? (lstat(k) as HostStat).size : 0), 0),
    readText: (p) => (nodes.get(p) as { file?: string })?.file,
    list: (dir) => [...new Set(below(dir).map((k) => k.slice(dir.length + 1).split('/')[0] as string))].sort(),
    realpath: (p) => p,
  };
}

function program(binary: string, paths: string[], extra: Partial<ProgramFiles> = {}): ProgramFiles {
  return { binary, type: 'dynamic-pie', interpreter: null, libraries: [], paths: paths.map((path) => ({ path, namedBy: [binary] })), usesIconv: false, ...extra };
}

const brief = (a: Addition): string => `${a.kind} ${a.guest}${a.target !== undefined ? ` -> ${a.target}` : ''}`;

describe('static discovery', () => {
  it("a program's config directory goes in whole, with what its files name; state paths give empty directories", () => {
    const host = fakeHost({
      '/etc/app/app.conf': { file: 'root /srv/site;\n# log /var/log/old.log\nlog /var/log/app/app.log;\n' },
      '/srv/site/index.html': { file: '<p>hi</p>\n' },
      '/var/log/app/previous.log': { file: 'the host keeps its logs' },
      '/var/lib/app/cache/x': { file: 'state' },
    });
    const found = discover(program('/usr/sbin/app', ['/etc/app/', '/var/lib/app/cache', '/run/app.pid']), host);
    expect(found.additions.map(brief)).toEqual([
      'dir /etc/app',
      'empty-dir /run',
      'dir /srv/site',
      'empty-dir /var/lib/app',
      'empty-dir /var/log/app',
    ]);
    expect(found.additions.find((a) => a.guest === '/srv/site')?.why).toBe('named in /etc/app/app.conf');
  });

  it('follows a symlink to what it points at, keeping the link', () => {
    const host = fakeHost({ '/etc/localtime': { link: '/usr/share/zoneinfo/Europe/Paris' }, '/usr/share/zoneinfo/Europe/Paris': { file: 'TZif' } });
    const found = discover(program('/bin/app', ['/etc/localtime']), host);
    expect(found.additions.map(brief)).toEqual(['symlink /etc/localtime -> /usr/share/zoneinfo/Europe/Paris', 'file /usr/share/zoneinfo/Europe/Paris']);
  });

  it('never packs homes, password hashes or private keys, and says so for those that exist', () => {
    const host = fakeHost({
      '/etc/shadow': { file: 'root:$y$hash:' },
      '/root/.profile': { file: 'x' },
      '/etc/ssl/private/site.key': { file: 'k' },
      '/etc/app/cert.pem': { file: '-----BEGIN PRIVATE KEY-----\n' },
      '/etc/app/public.pem': { file: '-----BEGIN CERTIFICATE-----\n' },
    });
    const found = discover(program('/bin/app', ['/etc/shadow', '/root/.profile', '/etc/ssl/private/site.key', '/etc/app/cert.pem', '/etc/app/public.pem', '/home/nobody/x']), host);
    expect(found.additions.map(brief)).toEqual(['file /etc/app/public.pem']);
    expect(found.skipped.map((s) => s.path)).toEqual(['/etc/app/cert.pem', '/etc/shadow', '/etc/ssl/private/site.key', '/root/.profile']);
    expect(found.skipped.find((s) => s.path === '/etc/shadow')?.why).toMatch(/^password hashes: never packed unless you name it/);
  });

  it('reports a named directory over the size limit instead of packing it, and leaves system directories alone', () => {
    const host = fakeHost({ '/opt/app/data/blob': { big: DIR_LIMIT + 1 }, '/usr/lib/x': { file: 'x' } });
    const found = discover(program('/bin/app', ['/opt/app/data', '/usr/lib', '/usr/lib/']), host);
    expect(found.additions).toEqual([]);
    expect(found.skipped.map((s) => s.path)).toEqual(['/opt/app/data']);
    expect(found.skipped[0]?.why).toMatch(/more than 4 MiB: not packed .*add it with --dir/);
  });

  it("takes only what the C library's common calls read from the paths it alone names", () => {
    const host = fakeHost({ '/etc/services': { file: 'http 80/tcp\n' }, '/etc/fstab': { file: 'UUID=x / ext4\n' } });
    const files: ProgramFiles = { ...program('/bin/app', []), paths: ['/etc/services', '/etc/fstab'].map((path) => ({ path, namedBy: ['/lib/x86_64-linux-gnu/libc.so.6'] })) };
    const found = discover(files, host);
    expect(found.additions.map((a) => `${a.guest}: ${a.why}`)).toEqual(['/etc/services: the C library reads it']);
  });

  it("brings Python's standard library whatever its size, its installed packages only when small", () => {
    const host = fakeHost({
      '/usr/bin/python3.11': { file: 'ELF' },
      '/usr/lib/python3.11/os.py': { big: 50 * 1024 * 1024 },
      '/usr/lib/python3/dist-packages/big/x.py': { big: DIR_LIMIT + 1 },
    });
    const found = discover(program('/usr/bin/python3.11', []), host);
    expect(found.additions.map((a) => `${brief(a)}: ${a.why}`)).toEqual(["dir /usr/lib/python3.11: python3.11's standard library"]);
    expect(found.skipped.map((s) => s.path)).toEqual(['/usr/lib/python3/dist-packages']);
  });

  it('keeps system users and groups only, every password field x', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nalice:$6$hash:1000:1000::/home/alice:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
    const users = systemUsers(passwd);
    expect(users).toBe('root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    expect(systemGroups('root:x:0:\nsudo:x:27:alice,root\nalice:x:1000:\n', userNames(users))).toBe('root:x:0:\nsudo:x:27:root\n');
  });

  it('reads the paths a configuration names outside its comments', () => {
    expect(pathsInConfig('include /etc/nginx/modules-enabled/*.conf;\n  # root /var/www/old;\nroot /var/www/html;\nssl "/etc/ssl/x.pem";\n')).toEqual(['/etc/nginx/modules-enabled', '/var/www/html', '/etc/ssl/x.pem']);
  });

  it('prints one line per reason', () => {
    const lines = additionLines([
      { kind: 'file', guest: '/etc/a', why: 'w', bytes: 1024 },
      { kind: 'symlink', guest: '/etc/b', target: 'a', why: 'w', bytes: 0 },
      { kind: 'empty-dir', guest: '/run', why: 'state', bytes: 0 },
    ]);
    expect(lines).toEqual(['  /etc/a, /etc/b -> a (1.0 KiB): w', '  /run/ (empty): state']);
  });
});

describe('paths named in real binaries', () => {
  for (const binary of ['/usr/sbin/nginx', '/usr/bin/perl']) {
    it(`${binary}: every path found is a string of the file (strings -a), and its own known paths are among them`, () => {
      const found = namedPaths(readElf(readFileSync(binary), binary));
      const strings = new Set(execFileSync('strings', ['-a', '-n', '2', binary], { encoding: 'latin1', maxBuffer: 1 << 28 }).split('\n'));
      const inStrings = (p: string): boolean => strings.has(p) || strings.has(`${p}/`) || [...strings].some((s) => s.split(':').includes(p));
      expect(found.filter((p) => !inStrings(p))).toEqual([]);
      // what `strings` shows of the file's configuration and state paths
      const expected = [...strings].filter((s) => /^\/(etc|var|usr\/share)\/[a-z0-9./_-]+$/.test(s));
      expect(expected.length).toBeGreaterThanOrEqual(3);
      expect(expected.filter((p) => !found.includes(p))).toEqual([]);
    });
  }
});
