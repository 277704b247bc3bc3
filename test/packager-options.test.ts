// Build options: flag parsing, the config file (ukify.json), their merge, the generated /etc files and
// the initrd tree's conflict rules. Pure parts, no QEMU.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, readConfig } from '../packager/config.js';
import { etcFiles } from '../packager/etc-files.js';
import { InitrdTree } from '../packager/initrd-tree.js';
import { checkGuestPath, flagLayer, mergeEnv, mergeOptions, parsePlacement } from '../packager/options.js';
import { kernelCommandLine } from '../runner/cmdline.js';
import { MissingFiles, missingFilePath } from '../runner/missing-files.js';

// getent reads /etc through glibc's NSS "files" service: the generated files are bound over the
// host's in a private mount namespace (needs root or user namespaces).
const canUnshare = spawnSync('unshare', ['-m', 'true'], { stdio: 'ignore' }).status === 0;
const work = mkdtempSync(join(tmpdir(), 'ukify-options-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect((error as { userFacing?: boolean }).userFacing).toBe(true);
    expect((error as { exitCode?: number }).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('guest paths and placements', () => {
  it('normalizes guest paths', () => {
    expect(checkGuestPath('/a//b/./c/', 'x')).toBe('/a/b/c');
    expect(checkGuestPath('/a/b/../c', 'x')).toBe('/a/c');
    expect(checkGuestPath('/', 'x')).toBe('/');
  });

  it('refuses relative, reserved and kernel-made guest paths', () => {
    expect(errorOf(() => checkGuestPath('etc/x', '--file a:etc/x'))).toBe("--file a:etc/x: the guest path 'etc/x' must be absolute (start with /)");
    expect(errorOf(() => checkGuestPath('/.ukify/symbols', 's'))).toMatch(/^s: \/\.ukify is reserved/);
    expect(errorOf(() => checkGuestPath('/proc/x', 's'))).toMatch(/^s: \/proc is made by the kernel/);
    expect(errorOf(() => checkGuestPath('/dev', 's'))).toMatch(/\/dev is made by the kernel/);
    // Only whole components count: /device is an ordinary path.
    expect(checkGuestPath('/device/x', 's')).toBe('/device/x');
  });

  it('splits HOST:GUEST at the last colon, takes relative hosts from the base, and a bare HOST as its own guest path', () => {
    expect(parsePlacement('conf/a.conf:/etc/a.conf', '--file', '/home/u')).toEqual({ host: '/home/u/conf/a.conf', guest: '/etc/a.conf', source: '--file conf/a.conf:/etc/a.conf' });
    expect(parsePlacement('odd:name:/x', '--file', '/b').host).toBe('/b/odd:name');
    expect(parsePlacement('/usr/lib/python3.11', '--dir', '/b')).toEqual({ host: '/usr/lib/python3.11', guest: '/usr/lib/python3.11', source: '--dir /usr/lib/python3.11' });
    expect(errorOf(() => parsePlacement(':/x', '--file', '/b'))).toMatch(/host path is empty/);
  });
});

describe('flags and merge', () => {
  it('checks the flags when the layer is made', () => {
    expect(errorOf(() => flagLayer({ env: ['NOEQ'] }, work))).toMatch(/bad environment variable 'NOEQ'/);
    expect(errorOf(() => flagLayer({ memory: '12Q' }, work))).toMatch(/bad memory size '12Q'/);
    expect(errorOf(() => flagLayer({ workdir: 'srv' }, work))).toMatch(/^--workdir srv: the guest path 'srv' must be absolute/);
    expect(flagLayer({ workdir: '/srv/' }, work).workdir).toBe('/srv');
  });

  it('merges environment pairs by key, later winning, first place kept', () => {
    expect(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4', 'A=5'])).toEqual(['A=5', 'B=3', 'C=4']);
    expect(mergeEnv(['X=a=b'], [])).toEqual(['X=a=b']);
  });

  it('flags override the config: args (when given), env by key, workdir, memory, placements at the same guest path', () => {
    const config = {
      args: ['from-config'],
      env: ['A=config', 'B=config'],
      files: [
        { host: '/c/one', guest: '/etc/one', source: 'ukify.json: files./etc/one' },
        { host: '/c/two', guest: '/etc/two', source: 'ukify.json: files./etc/two' },
      ],
      dirs: [{ host: '/c/www', guest: '/srv/www', source: 'ukify.json: dirs./srv/www' }],
      workdir: '/srv',
      memory: '128M',
    };
    const flags = {
      args: ['from-flags'],
      env: ['B=flag'],
      files: [{ host: '/f/two', guest: '/etc/two', source: '--file /f/two:/etc/two' }],
      workdir: '/tmp/w',
      memory: '256M',
    };
    expect(mergeOptions(config, flags)).toEqual({
      args: ['from-flags'],
      env: ['A=config', 'B=flag'],
      files: [
        { host: '/c/one', guest: '/etc/one', source: 'ukify.json: files./etc/one' },
        { host: '/f/two', guest: '/etc/two', source: '--file /f/two:/etc/two' },
      ],
      dirs: [{ host: '/c/www', guest: '/srv/www', source: 'ukify.json: dirs./srv/www' }],
      workdir: '/tmp/w',
      memory: '256M',
    });
    // No flags: the config as it is; empty flag args leave the config's.
    expect(mergeOptions(config, { args: [] }).args).toEqual(['from-config']);
    expect(mergeOptions({}, {})).toEqual({ args: [], env: [], files: [], dirs: [] });
  });

  it('a flag --dir replaces a config file entry at the same guest path', () => {
    const merged = mergeOptions(
      { files: [{ host: '/c/x', guest: '/x', source: 'cfg' }] },
      { dirs: [{ host: '/f/x', guest: '/x', source: '--dir /f/x:/x' }] },
    );
    expect(merged.files).toEqual([]);
    expect(merged.dirs.map((d) => d.host)).toEqual(['/f/x']);
  });

  it('two placements at one guest path within a layer are one error naming both', () => {
    const a = { host: '/a', guest: '/etc/x', source: '--file /a:/etc/x' };
    const b = { host: '/b', guest: '/etc/x', source: '--dir /b:/etc/x' };
    expect(errorOf(() => mergeOptions({}, { files: [a], dirs: [b] }))).toBe('two sources for /etc/x: --file /a:/etc/x and --dir /b:/etc/x');
    expect(errorOf(() => mergeOptions({ files: [a], dirs: [b] }, {}))).toMatch(/^two sources for \/etc\/x/);
  });
});

describe('ukify.json', () => {
  const parse = (text: string): ReturnType<typeof parseConfig> => parseConfig(text, 'ukify.json', '/proj');

  it('reads every field; env as an object or a list; host paths from the config folder', () => {
    const layer = parse(
      JSON.stringify({
        args: ['-c', 'print(1)'],
        env: { PYTHONHOME: '/usr', EMPTY: '' },
        files: { '/etc/app.conf': 'app.conf', '/etc/abs': '/abs/file' },
        dirs: { '/srv/www/': '../www' },
        workdir: '/srv/www',
        memory: '256M',
      }),
    );
    expect(layer).toEqual({
      args: ['-c', 'print(1)'],
      env: ['PYTHONHOME=/usr', 'EMPTY='],
      files: [
        { host: '/proj/app.conf', guest: '/etc/app.conf', source: 'ukify.json: files./etc/app.conf' },
        { host: '/abs/file', guest: '/etc/abs', source: 'ukify.json: files./etc/abs' },
      ],
      dirs: [{ host: '/www', guest: '/srv/www', source: 'ukify.json: dirs./srv/www/' }],
      workdir: '/srv/www',
      memory: '256M',
    });
    expect(parse('{"env": ["A=1", "B=x=y"]}').env).toEqual(['A=1', 'B=x=y']);
    expect(parse('{}')).toEqual({});
  });

  it('names the file and the field in one line for each kind of mistake', () => {
    const cases: [string, string][] = [
      ['{"args": ', 'ukify.json: not valid JSON ('],
      ['[1, 2]', 'ukify.json: must hold a JSON object'],
      ['{"argz": []}', 'ukify.json: argz: unknown field (known fields: args, env, files, dirs, workdir, memory, ports, volumes)'],
      ['{"args": "-v"}', 'ukify.json: args: must be a list of strings'],
      ['{"args": ["a", 2]}', 'ukify.json: args[1]: must be a string'],
      ['{"env": "A=1"}', 'ukify.json: env: must be an object'],
      ['{"env": ["A=1", "B"]}', "ukify.json: env[1]: 'B' is not KEY=VALUE"],
      ['{"env": {"A": 1}}', 'ukify.json: env.A: must be a string'],
      ['{"env": {"A=B": "x"}}', 'ukify.json: env.A=B: a key must be non-empty'],
      ['{"files": ["a:/b"]}', 'ukify.json: files: must be an object'],
      ['{"files": {"/etc/x": 3}}', 'ukify.json: files./etc/x: the host path must be a non-empty string'],
      ['{"files": {"etc/x": "a"}}', "ukify.json: files.etc/x: the guest path 'etc/x' must be absolute"],
      ['{"dirs": {"/proc/x": "a"}}', 'ukify.json: dirs./proc/x: /proc is made by the kernel'],
      ['{"workdir": 5}', 'ukify.json: workdir: must be a string'],
      ['{"workdir": "srv"}', "ukify.json: workdir: the guest path 'srv' must be absolute"],
      ['{"memory": "lots"}', `ukify.json: memory: 'lots' is not a size such as "256M"`],
      ['{"memory": true}', 'ukify.json: memory: must be a size'],
      ['{"memory": 64}', 'ukify.json: memory: must be a string with its unit, such as "64M" for 64 MiB'],
    ];
    for (const [text, start] of cases) {
      const message = errorOf(() => parse(text));
      expect(message.startsWith(start), `${text} → ${message}`).toBe(true);
      expect(message).not.toContain('\n');
    }
  });

  it('reads ./ukify.json when present, nothing when absent, and a -c file that must exist', () => {
    expect(readConfig(undefined, work)).toEqual({});
    writeFileSync(join(work, 'ukify.json'), '{"args": ["here"]}');
    expect(readConfig(undefined, work)).toEqual({ args: ['here'] });
    writeFileSync(join(work, 'other.json'), '{"workdir": "/w"}');
    expect(readConfig('other.json', work)).toEqual({ workdir: '/w' });
    expect(errorOf(() => readConfig('missing.json', work))).toBe('cannot read the config file missing.json: no such file');
    expect(errorOf(() => readConfig('.', work))).toBe('cannot read the config file .: it is a directory');
    writeFileSync(join(work, 'bad.json'), '{"files": {"/a": ""}}');
    expect(errorOf(() => readConfig('bad.json', work))).toMatch(/^bad\.json: files\.\/a: /);
  });
});

describe('generated /etc files', () => {
  const files = new Map(etcFiles().map((f) => [f.path, f.text]));

  it('are the six files, each ending in a newline', () => {
    expect([...files.keys()].sort()).toEqual(['/etc/group', '/etc/hostname', '/etc/hosts', '/etc/nsswitch.conf', '/etc/passwd', '/etc/resolv.conf']);
    for (const text of files.values()) expect(text.endsWith('\n')).toBe(true);
  });

  it('passwd and group: root is uid/gid 0 (the kernel getuid), nobody 65534; 7 and 4 fields', () => {
    const passwd = (files.get('/etc/passwd') ?? '').trim().split('\n').map((l) => l.split(':'));
    expect(passwd.every((f) => f.length === 7)).toBe(true);
    expect(passwd.map((f) => [f[0], f[2], f[3]])).toEqual([['root', '0', '0'], ['nobody', '65534', '65534']]);
    const group = (files.get('/etc/group') ?? '').trim().split('\n').map((l) => l.split(':'));
    expect(group.every((f) => f.length === 4)).toBe(true);
    expect(group.map((f) => [f[0], f[2]])).toContainEqual(['root', '0']);
    expect(group.map((f) => [f[0], f[2]])).toContainEqual(['nobody', '65534']);
  });

  it('hosts has localhost; resolv.conf names slirp DNS; hostname is ukify; nsswitch uses files (and built-in dns for hosts)', () => {
    expect(files.get('/etc/hosts')).toMatch(/^127\.0\.0\.1\s+localhost$/m);
    expect(files.get('/etc/resolv.conf')).toBe('nameserver 10.0.2.3\n');
    expect(files.get('/etc/hostname')).toBe('ukify\n');
    const sources = (files.get('/etc/nsswitch.conf') ?? '').trim().split('\n').map((l) => l.split(/:\s*/));
    for (const [db, list] of sources) expect(list, db).toBe(db === 'hosts' ? 'files dns' : 'files');
    expect(sources.map(([db]) => db)).toEqual(expect.arrayContaining(['passwd', 'group', 'hosts']));
  });

  it.skipIf(!canUnshare)('glibc reads them: getent passwd/group/hosts answer from these files bound over /etc (private mount namespace)', () => {
    const dir = join(work, 'etc');
    execFileSync('mkdir', ['-p', dir]);
    for (const [path, text] of files) writeFileSync(join(work, path.slice(1)), text);
    const script = `for f in passwd group hosts nsswitch.conf; do mount --bind ${dir}/$f /etc/$f; done; getent passwd 0 nobody; getent group root nobody; getent hosts localhost`;
    const out = execFileSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8' });
    expect(out).toMatch(/^root:x:0:0:/m);
    expect(out).toMatch(/^nobody:x:65534:65534:/m);
    expect(out).toMatch(/^root:x:0:$/m);
    expect(out).toMatch(/^nobody:x:65534:$/m);
    expect(out).toMatch(/^(127\.0\.0\.1|::1)\s+localhost/m);
  });
});

describe('initrd tree', () => {
  const file = (name: string, text: string): { name: string; mode: number; data: Uint8Array } => ({ name, mode: 0o100644, data: new TextEncoder().encode(text) });

  it('two different files at one path: one error naming both sources', () => {
    const tree = new InitrdTree();
    tree.add(file('hello', 'a'), 'the program');
    expect(errorOf(() => tree.add(file('hello', 'b'), '--file x:/hello'))).toBe('two sources for /hello: the program and --file x:/hello');
  });

  it('directories twice, or the same bytes twice, are fine', () => {
    const tree = new InitrdTree();
    tree.add({ name: 'etc', mode: 0o040700 }, 'one');
    tree.add({ name: 'etc', mode: 0o040755 }, 'two');
    tree.add(file('lib/libc.so.6', 'same'), 'the program');
    tree.add(file('lib/libc.so.6', 'same'), '--dir /lib');
    const entries = tree.entries();
    expect(entries.map((e) => e.name)).toEqual(['etc', 'lib', 'lib/libc.so.6']);
    expect(entries[0]?.mode).toBe(0o040700);
  });

  it('lists parents before children, adds missing parents, refuses paths inside non-directories', () => {
    const tree = new InitrdTree();
    tree.add(file('a/b/c', 'x'), 's1');
    tree.add(file('a-b', 'y'), 's2');
    expect(tree.entries().map((e) => e.name)).toEqual(['a', 'a-b', 'a/b', 'a/b/c']);
    expect(tree.canAdd('a/b/d')).toBe(true);
    tree.add({ name: 'lnk', mode: 0o120777, data: new TextEncoder().encode('a') }, '--dir t:/');
    expect(tree.canAdd('lnk/x')).toBe(false);
    tree.add(file('lnk/x', 'z'), '--file z:/lnk/x');
    expect(errorOf(() => tree.entries())).toBe('--file z:/lnk/x puts /lnk/x inside /lnk, which is not a directory (it comes from --dir t:/)');
  });
});

describe('--missing-files in the runner', () => {
  it('asks the kernel for trace_missing only when wanted', () => {
    expect(kernelCommandLine({ env: [], verbose: false, traceMissing: true }).split(' ')).toContain('trace_missing');
    expect(kernelCommandLine({ env: [], verbose: false })).not.toContain('trace_missing');
  });

  it('reads the kernel line of kernel/IMAGE.md and normalizes the path', () => {
    expect(missingFilePath('ukify: missing-file /etc/ld.so.cache')).toBe('/etc/ld.so.cache');
    expect(missingFilePath('ukify: missing-file /srv/app/../rel/./x\r')).toBe('/srv/rel/x');
    expect(missingFilePath('ukify: missing-file /a b/c d')).toBe('/a b/c d');
    expect(missingFilePath("ukify: unsupported syscall 'socket' (41)")).toBeUndefined();
    expect(missingFilePath('ukify: missing-file ')).toBeUndefined();
  });

  it('keeps each path once, sorted, after a header; other lines are left to the caller', () => {
    const missing = new MissingFiles();
    expect(missing.take('ukify: missing-file /b')).toBe(true);
    expect(missing.take('ukify: missing-file /a')).toBe(true);
    expect(missing.take('ukify: missing-file /b')).toBe(true);
    expect(missing.take('ukify: boot: 65536 KiB RAM')).toBe(false);
    expect(missing.report()).toBe('ukify: missing files (looked up by the program, not in the image): 2\n  /a\n  /b\n');
    expect(new MissingFiles().report()).toMatch(/^ukify: missing files: none/);
  });
});
