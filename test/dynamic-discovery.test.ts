// `ukify discover`'s pure parts: which looked-up paths are refused, which are added and why (on
// made-up host file systems), the report's grouping, the merge into ukify.json, and flag parsing.
import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../packager/config-merge.js';
import { type Decision, decideRound, type PlacedDir, SIZE_LIMIT_BYTES } from '../runner/discover/candidates.js';
import type { DirTree, HostPath, HostView } from '../runner/discover/host-view.js';
import { parseRounds, parseTimeLimit } from '../runner/discover/limits.js';
import { parseProbe } from '../runner/discover/probe-url.js';
import { refusal } from '../runner/discover/refusals.js';
import { additionLines, configSummary, discoveryReport, roundsText } from '../runner/discover/report.js';
import { parsePortSpec } from '../runner/ports.js';

const MiB = 1024 * 1024;

/** A host made of a few paths; symlinks as {link: target}. Anything else is absent. */
function fakeHost(paths: Record<string, HostPath | { link: string }>): HostView {
  const resolve = (path: string): string => {
    for (const [from, entry] of Object.entries(paths)) {
      if ('link' in entry && (path === from || path.startsWith(`${from}/`))) return resolve(entry.link + path.slice(from.length));
    }
    return path;
  };
  return {
    look: (path) => {
      const entry = paths[resolve(path)];
      return entry === undefined || 'link' in entry ? { kind: 'absent' } : entry;
    },
    realPath: (path) => (paths[resolve(path)] === undefined ? undefined : resolve(path)),
  };
}

const file = (bytes: number): HostPath => ({ kind: 'file', bytes });
const dir = (tree: Partial<DirTree>): HostPath => ({ kind: 'dir', tree: { bytes: 0, entries: 0, complete: true, ...tree } });
const byPath = (decisions: readonly Decision[]): Record<string, Decision> => Object.fromEntries(decisions.map((d) => [d.path, d]));

describe('discovery refuses what it must never pack', () => {
  it.each([
    '/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/root', '/root/.profile', '/home/alice/notes.txt',
    '/proc/self/maps', '/sys/kernel/mm', '/dev/shm/x', '/etc/ssl/private', '/etc/ssl/private/ssl-cert-snakeoil.key',
    '/srv/tls/server.key', '/etc/ssh/ssh_host_ed25519_key', '/opt/app/id_rsa', '/etc/pki/tls/private/a.pem',
    '/run/nginx.pid', '/var/run/nscd/socket',
  ])('%s', (path) => {
    expect(refusal(path)).toBeDefined();
  });

  it.each([
    '/etc/passwd', '/etc/ssl/certs/ca-certificates.crt', '/usr/share/keyrings', '/etc/ssh/ssh_host_ed25519_key.pub',
    '/etc/shadowsocks.json', '/homepage', '/rootfs/x', '/runtime/x', '/tmp/app.conf',
  ])('%s is allowed', (path) => {
    expect(refusal(path)).toBeUndefined();
  });
});

describe('which missing paths are added, and why', () => {
  it('a host file is added at the same path; what the host lacks is only counted', () => {
    const host = fakeHost({ '/etc/app/app.conf': file(120) });
    const decisions = byPath(decideRound(['/etc/app/app.conf', '/etc/app/override.conf'], 1, [], host));
    expect(decisions['/etc/app/app.conf']).toEqual({ path: '/etc/app/app.conf', round: 1, action: 'file', host: '/etc/app/app.conf', why: 'looked up by the program (round 1)', bytes: 120 });
    expect(decisions['/etc/app/override.conf']?.action).toBe('absent');
  });

  it('refused paths are not added even when the host has them, and say why', () => {
    const host = fakeHost({ '/etc/shadow': file(900), '/root/.profile': file(100) });
    const decisions = byPath(decideRound(['/etc/shadow', '/root/.profile'], 2, [], host));
    expect(decisions['/etc/shadow']).toMatchObject({ action: 'skip', why: expect.stringContaining('password hashes') });
    expect(decisions['/root/.profile']).toMatchObject({ action: 'skip', why: expect.stringContaining('/root') });
  });

  it('the host loader cache is not added', () => {
    const decisions = decideRound(['/etc/ld.so.cache'], 1, [], fakeHost({ '/etc/ld.so.cache': file(30_000) }));
    expect(decisions[0]?.action).toBe('skip');
  });

  it('a directory is added whole and takes the paths below it looked up in the same round', () => {
    const host = fakeHost({ '/etc/app/conf.d': dir({ bytes: 2000, entries: 3 }), '/etc/app/conf.d/a.conf': file(1000) });
    const decisions = byPath(decideRound(['/etc/app/conf.d/a.conf', '/etc/app/conf.d/'], 1, [], host));
    expect(decisions['/etc/app/conf.d']).toMatchObject({ action: 'dir', host: '/etc/app/conf.d', entries: 3 });
    expect(decisions['/etc/app/conf.d/a.conf']).toMatchObject({ action: 'covered', by: '/etc/app/conf.d' });
  });

  it('a directory over the size limit, or holding a private key, is not added', () => {
    const host = fakeHost({
      '/usr/lib/python3/dist-packages': dir({ bytes: 47 * MiB, entries: 3000 }),
      '/opt/huge': dir({ bytes: 10 * MiB, entries: 100_000, complete: false }),
      '/etc/app/tls': dir({ bytes: 10, entries: 2, refused: { path: '/etc/app/tls/server.key', why: 'a private key' } }),
    });
    const decisions = byPath(decideRound(['/usr/lib/python3/dist-packages', '/opt/huge', '/etc/app/tls'], 1, [], host));
    expect(decisions['/usr/lib/python3/dist-packages']).toMatchObject({ action: 'skip', why: expect.stringContaining('47.0 MiB') });
    expect(decisions['/opt/huge']).toMatchObject({ action: 'skip', why: expect.stringContaining('more than') });
    expect(decisions['/etc/app/tls']).toMatchObject({ action: 'skip', why: expect.stringContaining('/etc/app/tls/server.key') });
  });

  it('a file over the size limit is not added', () => {
    const decisions = decideRound(['/usr/lib/locale/locale-archive'], 1, [], fakeHost({ '/usr/lib/locale/locale-archive': file(SIZE_LIMIT_BYTES + 1) }));
    expect(decisions[0]).toMatchObject({ action: 'skip', why: expect.stringContaining('over the') });
  });

  it('a socket or device on the host is not added', () => {
    const decisions = decideRound(['/srv/app.sock'], 1, [], fakeHost({ '/srv/app.sock': { kind: 'special', what: 'a socket' } }));
    expect(decisions[0]).toMatchObject({ action: 'skip', why: 'a socket on the host' });
  });

  it('inside a directory the user places from elsewhere: the user\'s copy is the source', () => {
    const placed: PlacedDir[] = [{ guest: '/srv/www', host: '/home/me/site', source: '--dir ./site:/srv/www', discovered: false }];
    const decisions = decideRound(['/srv/www/missing.html'], 1, placed, fakeHost({ '/srv/www/missing.html': file(10) }));
    expect(decisions[0]).toMatchObject({ action: 'skip', why: expect.stringContaining('--dir ./site:/srv/www') });
  });

  it('a symlink in a placed copy that leads out of it: its target is added', () => {
    // Debian's /usr/lib/python3.11/sitecustomize.py -> /etc/python3.11/sitecustomize.py
    const placed: PlacedDir[] = [{ guest: '/usr/lib/python3.11', host: '/usr/lib/python3.11', source: '--dir /usr/lib/python3.11', discovered: false }];
    const host = fakeHost({ '/usr/lib/python3.11/sitecustomize.py': { link: '/etc/python3.11/sitecustomize.py' }, '/etc/python3.11/sitecustomize.py': file(155) });
    const decisions = decideRound(['/usr/lib/python3.11/sitecustomize.py'], 1, placed, host);
    expect(decisions[0]).toMatchObject({
      path: '/etc/python3.11/sitecustomize.py', action: 'file', host: '/etc/python3.11/sitecustomize.py',
      why: expect.stringContaining('the target of /usr/lib/python3.11/sitecustomize.py'),
    });
  });

  it('a symlink to a refused path is not followed into it', () => {
    const placed: PlacedDir[] = [{ guest: '/etc/app', host: '/etc/app', source: 'round 1', discovered: true }];
    const host = fakeHost({ '/etc/app/key.pem': { link: '/etc/ssl/private/app.pem' }, '/etc/ssl/private/app.pem': file(1700) });
    expect(decideRound(['/etc/app/key.pem'], 2, placed, host)[0]).toMatchObject({ action: 'skip', why: expect.stringContaining('/etc/ssl/private') });
  });
});

describe('the report', () => {
  it('rounds are written as a range or a list', () => {
    expect(roundsText([2])).toBe('round 2');
    expect(roundsText([1, 2, 3, 2])).toBe('rounds 1-3');
    expect(roundsText([1, 3])).toBe('rounds 1, 3');
  });

  it('many files from one directory are one line; few are listed one by one', () => {
    const add = (path: string, round: number): Decision => ({ path, round, action: 'file', host: path, why: `looked up by the program (round ${round})`, bytes: 1 });
    const zone = ['Paris', 'Berlin', 'Rome', 'Madrid', 'Oslo'].map((c, i) => add(`/usr/share/zoneinfo/Europe/${c}`, i < 3 ? 1 : 2));
    const lines = additionLines([...zone, add('/etc/a.conf', 1), add('/etc/b.conf', 1)].filter((d) => d.action === 'file'));
    expect(lines).toEqual([
      '/etc/a.conf: looked up by the program (round 1)',
      '/etc/b.conf: looked up by the program (round 1)',
      '/usr/share/zoneinfo/Europe/ (5 files: Berlin, Madrid, Oslo and 2 more): looked up by the program (rounds 1-2)',
    ]);
  });

  it('says what was not added and counts what the host lacks too', () => {
    const decisions: Decision[] = [
      { path: '/etc/shadow', round: 1, action: 'skip', why: 'it holds password hashes' },
      { path: '/nope', round: 1, action: 'absent' },
      { path: '/nope2', round: 2, action: 'absent' },
    ];
    expect(discoveryReport(decisions, [])).toBe(
      'added: nothing (no path the program looked up and did not find is on the host)\n' +
        'not added (1):\n  /etc/shadow: it holds password hashes\n' +
        '2 other paths the program looked up are not on the host either\n',
    );
  });

  it('lists the libraries that come with a new ELF file', () => {
    const module = '/usr/lib/python3.11/lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so';
    const decisions: Decision[] = [{ path: module, round: 1, action: 'file', host: module, why: 'looked up by the program (round 1)', bytes: 1 }];
    const text = discoveryReport(decisions, [{ path: '/lib/x86_64-linux-gnu/libsqlite3.so.0', neededBy: module, round: 1 }]);
    expect(text).toContain(`added (2):\n  ${module}: looked up by the program (round 1)\n  /lib/x86_64-linux-gnu/libsqlite3.so.0: a library of ${module}`);
  });
});

describe('the merge into ukify.json keeps what the user had', () => {
  const user = {
    args: ['-c', 'print(1)'],
    env: { MODE: 'prod' },
    files: { '/etc/app.conf': 'conf/app.conf' },
    dirs: { '/srv/www': 'www' },
    workdir: '/srv/www',
    memory: '256M',
    ports: ['8080:80'],
  };

  it('every field and entry stays, in its place; the additions are appended', () => {
    const original = JSON.stringify(user, null, 4);
    const merge = mergeConfig(original, [
      { field: 'files', guest: '/etc/mime.types', host: '/etc/mime.types' },
      { field: 'dirs', guest: '/usr/share/zoneinfo', host: '/usr/share/zoneinfo' },
    ], 'ukify.json', '/home/me/app');
    const merged = JSON.parse(merge.text ?? '') as typeof user;
    expect(merged).toEqual({
      ...user,
      files: { '/etc/app.conf': 'conf/app.conf', '/etc/mime.types': '/etc/mime.types' },
      dirs: { '/srv/www': 'www', '/usr/share/zoneinfo': '/usr/share/zoneinfo' },
    });
    expect(Object.keys(merged)).toEqual(Object.keys(user));
    expect(merge.text).toMatch(/^\{\n {4}"args"/); // the file's own indentation
    expect(merge.added.map((a) => a.guest)).toEqual(['/etc/mime.types', '/usr/share/zoneinfo']);
  });

  it('an entry the user has for the same guest path (files or dirs) is never replaced', () => {
    const merge = mergeConfig(JSON.stringify(user), [
      { field: 'files', guest: '/etc/app.conf', host: '/etc/app.conf' },
      { field: 'files', guest: '/srv/www', host: '/srv/www' },
    ], 'ukify.json', '/home/me/app');
    expect(merge.text).toBeUndefined();
    expect(merge.kept).toEqual([
      { field: 'files', guest: '/etc/app.conf', theirs: 'conf/app.conf' },
      { field: 'dirs', guest: '/srv/www', theirs: 'www' },
    ]);
  });

  it('a host path inside the config file\'s folder is written relative to it', () => {
    const merge = mergeConfig(undefined, [{ field: 'files', guest: '/data/x.txt', host: '/home/me/app/data/x.txt' }], 'ukify.json', '/home/me/app');
    expect(JSON.parse(merge.text ?? '')).toEqual({ files: { '/data/x.txt': 'data/x.txt' } });
  });

  it('says on stdout what it added, and which of the user\'s entries it kept', () => {
    const additions = [
      { field: 'files' as const, guest: '/etc/app.conf', host: '/etc/app.conf' },
      { field: 'files' as const, guest: '/etc/mime.types', host: '/etc/mime.types' },
      { field: 'dirs' as const, guest: '/usr/share/zoneinfo', host: '/usr/share/zoneinfo' },
    ];
    expect(configSummary('ukify.json', mergeConfig(JSON.stringify(user), additions, 'ukify.json', '/home/me/app'))).toBe(
      'ukify.json: added 1 file and 1 directory (listed above); every field and entry it had is kept\n' +
        'ukify.json: kept your files entry for /etc/app.conf (conf/app.conf)\n',
    );
    expect(configSummary('app.json', mergeConfig(undefined, additions.slice(1, 2), 'app.json', '/x'))).toBe('app.json: added 1 file (listed above); a new file\n');
  });

  it('a broken file is reported, never overwritten', () => {
    expect(() => mergeConfig('{"files": [1]}', [{ field: 'files', guest: '/a', host: '/a' }], 'ukify.json', '/x')).toThrow(/ukify.json: files:/);
    expect(() => mergeConfig('{not json', [{ field: 'files', guest: '/a', host: '/a' }], 'ukify.json', '/x')).toThrow(/not valid JSON/);
  });
});

describe('discover flags', () => {
  it('--rounds and --time-limit', () => {
    expect(parseRounds('3')).toBe(3);
    expect(() => parseRounds('0')).toThrow(/--rounds/);
    expect(() => parseRounds('two')).toThrow(/--rounds/);
    expect(parseTimeLimit('1.5')).toBe(1500);
    expect(() => parseTimeLimit('0')).toThrow(/--time-limit/);
    expect(() => parseTimeLimit('-3')).toThrow(/--time-limit/);
  });

  it('--probe needs an http URL on a forwarded host port', () => {
    const forwards = [parsePortSpec('8080:80')];
    expect(parseProbe('http://127.0.0.1:8080/x', forwards).pathname).toBe('/x');
    expect(() => parseProbe('http://127.0.0.1:9090/', forwards)).toThrow(/9090 is not forwarded/);
    expect(() => parseProbe('ftp://127.0.0.1:8080/', forwards)).toThrow(/only http and https/);
    expect(() => parseProbe('not a url', forwards)).toThrow(/not a URL/);
    expect(() => parseProbe('http://127.0.0.1:8080/', [])).toThrow(/needs a forwarded port/);
  });
});
