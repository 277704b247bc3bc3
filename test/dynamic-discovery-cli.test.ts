// `ukify discover` as a user runs it (the compiled CLI, QEMU): a program that opens paths built at
// run time gets them found, written into ukify.json (next to what the user had) and built into an
// image that then runs as natively; refused paths stay out; a server is probed through its forward
// and stopped by the time limit; bad input is one line.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../fixtures/index.js';
import { freePort } from '../harness/free-port.js';
import { runNative } from './helpers/native.js';
import { runAsync } from './helpers/run-async.js';
import { http, startServer, stopServer, until } from '../harness/servers.js';

const cli = join(process.cwd(), 'dist', 'cli', 'main.js');
const readfiles = join(fixturesDir, 'readfiles.glibc-dynamic');
const work = mkdtempSync(join(tmpdir(), 'ukify-discover-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function ukify(args: string[], cwd: string, timeoutMs = 120_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await runAsync(process.execPath, [cli, ...args], { cwd, timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

function folder(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('ukify discover', () => {
  it('finds a file and a directory opened by paths built at run time, keeps the user\'s ukify.json entries, and the image then runs as natively', async () => {
    const project = folder('project');
    const tree = join(project, 'tree');
    mkdirSync(join(tree, 'conf.d'), { recursive: true });
    writeFileSync(join(tree, 'settings.txt'), 'colour = blue\n');
    writeFileSync(join(tree, 'conf.d', 'a.conf'), 'a = 1\n');
    writeFileSync(join(tree, 'conf.d', 'b.conf'), 'b = 2\n');
    writeFileSync(join(project, 'app.conf'), 'the user\'s own file\n');
    const user = { env: { KEPT: 'yes' }, files: { '/etc/app.conf': 'app.conf' }, memory: '96M', ports: [`${await freePort()}:99`] };
    writeFileSync(join(project, 'ukify.json'), `${JSON.stringify(user, null, 2)}\n`);
    const env = `READFILES_DIR=${tree}`;
    const args = ['settings.txt', 'conf.d'];
    const native = runNative(readfiles, args, { env: { READFILES_DIR: tree } });
    expect(native.status).toBe(0);
    // The native run is the file on disk and the directory's names: a check of the oracle itself.
    expect(native.stdout).toBe('== settings.txt\ncolour = blue\n== conf.d/\na.conf\nb.conf\n');

    // ukify.json's ports make the program a server: a time limit keeps the test bounded.
    const found = await ukify(['discover', readfiles, '-e', env, '--time-limit', '20', '--', ...args], project);
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout).toContain(`${join(tree, 'settings.txt')}: looked up by the program (round 1)`);
    expect(found.stdout).toMatch(new RegExp(`${join(tree, 'conf.d')}: a directory looked up by the program \\(round 1\\), [0-9.]+ MiB in 2 entries`));
    expect(found.stdout).toContain('ukify discover: 2 rounds; the last one found nothing new to add');
    expect(found.stdout).toMatch(/^wrote readfiles\.glibc-dynamic\.img \(/m);
    // The program's own output goes to stderr during discovery; stdout is the report.
    expect(found.stdout).not.toContain('== settings.txt');
    expect(found.stderr).toContain('== settings.txt: ENOENT');
    expect(found.stderr).toMatch(/ukify: round 1: booting .*\n(.*\n)*ukify: round 1: readfiles\.glibc-dynamic ended with status 1; /);

    const config = JSON.parse(readFileSync(join(project, 'ukify.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toEqual({
      ...user,
      files: { '/etc/app.conf': 'app.conf', [join(tree, 'settings.txt')]: 'tree/settings.txt' },
      dirs: { [join(tree, 'conf.d')]: 'tree/conf.d' },
    });

    const image = await ukify(['run', join(project, 'readfiles.glibc-dynamic.img')], project);
    expect([image.stdout, image.status]).toEqual([native.stdout, native.status]);
    // ukify.json alone (no discovery flags but the program's own) builds the same contents again.
    const rebuilt = await ukify(['build', readfiles, '-o', 'again.img', '-e', env, '--', ...args], project);
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    const again = await ukify(['run', join(project, 'again.img')], project);
    expect([again.stdout, again.status]).toEqual([native.stdout, native.status]);
  });

  it('never adds /etc/shadow or what is under /root, and says so', async () => {
    const project = folder('refused');
    // /etc/../root/.profile: the lookup is made in the guest, the path normalized by the runner.
    const args = ['shadow', '../root/.profile'];
    const found = await ukify(['discover', readfiles, '--', ...args], project);
    expect(found.status, found.stderr).toBe(0);
    expect(found.stdout).toMatch(/^ {2}\/etc\/shadow: password hashes: never packed unless you name it/m);
    expect(found.stdout).toMatch(/^ {2}\/root\/\.profile: under \/root, a home directory/m);
    expect(found.stdout).toContain('ukify discover: 1 round; the last one found nothing new to add');
    // Nothing was added: no ukify.json is made, and the image still lacks both.
    expect(existsSync(join(project, 'ukify.json'))).toBe(false);
    const image = await ukify(['run', join(project, 'readfiles.glibc-dynamic.img')], project);
    expect(image.stdout).toBe('== shadow: ENOENT\n== ../root/.profile: ENOENT\n');
    expect(image.status).toBe(1);
  });

  it('a server (python3 http.server): probed through -p once it answers, stopped by --time-limit each round; the image then serves the file', async () => {
    const project = folder('server');
    const site = join(project, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'page.txt'), 'served after discovery\n'.repeat(100));
    const size = statSync(join(site, 'page.txt')).size;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/page.txt`;
    const server = ['-m', 'http.server', '--bind', '0.0.0.0', '--directory', site, '8000'];
    const t0 = Date.now();
    const found = await ukify(
      ['discover', '/usr/bin/python3', '--dir', '/usr/lib/python3.11', '-p', `${port}:8000`, '--probe', url, '--time-limit', '8', '--rounds', '4', '--', ...server],
      project,
      180_000,
    );
    const seconds = (Date.now() - t0) / 1000;
    expect(found.status, found.stderr).toBe(0);
    // Before the page is added the server answers 404; in the round after, the whole file. (8 s a
    // round: python3 answers about 3 s after the boot starts under TCG, later on a loaded host.)
    const answers = [...found.stderr.matchAll(/^ukify: round (\d+): probe (\S+): (\d+), (\d+) bytes$/gm)].map((m) => ({ round: Number(m[1]), url: m[2], status: Number(m[3]), bytes: Number(m[4]) }));
    const missingRound = answers.find((a) => a.status === 404)?.round ?? NaN;
    expect(answers.find((a) => a.round === missingRound + 1), found.stderr).toEqual({ round: missingRound + 1, url, status: 200, bytes: size });
    expect(found.stdout).toContain(`${join(site, 'page.txt')}: looked up by the program (round ${missingRound})`);
    expect(found.stderr).toMatch(/ukify: round 1: time limit \(8 s\) reached: stopping the program\n(.*\n)*ukify: round 1: python3 ended with status 143/);
    expect(found.stdout).toMatch(/^ {2}\/root\/\.local\/lib\/python3\.11\/site-packages: under \/root/m);
    const config = JSON.parse(readFileSync(join(project, 'ukify.json'), 'utf8')) as { files: Record<string, string> };
    expect(config.files[join(site, 'page.txt')]).toBe('site/page.txt');
    process.stderr.write(`discover python3 http.server: ${found.stdout.split('\n')[0]}, ${seconds.toFixed(1)} s\n`);

    const guestPort = await freePort();
    const guest = startServer(process.execPath, [cli, 'run', join(project, 'python3.img'), '-p', `${guestPort}:8000`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    try {
      await until('the discovered image', async () => (await http(guestPort, 'GET', '/page.txt').catch(() => undefined)) !== undefined, guest);
      const reply = await http(guestPort, 'GET', '/page.txt');
      expect(reply.status).toBe(200);
      expect(reply.body.equals(readFileSync(join(site, 'page.txt')))).toBe(true);
    } finally {
      await stopServer(guest);
    }
  }, 240_000);

  it('bad input is one line and exit status 2, before anything boots', async () => {
    const project = folder('errors');
    const cases: [string[], RegExp][] = [
      [['discover', join(project, 'nope')], /^ukify: .*nope/],
      [['discover', readfiles, '--rounds', '0'], /^ukify: --rounds wants a whole number/],
      [['discover', readfiles, '--time-limit', 'soon'], /^ukify: --time-limit wants a number/],
      [['discover', readfiles, '--probe', 'http://127.0.0.1:9/'], /^ukify: --probe .*needs a forwarded port/],
      [['discover', readfiles, '-c', join(project, 'ukify.json'), '--file', '/nonexistent/file'], /^ukify: --file \/nonexistent\/file: cannot read/],
    ];
    writeFileSync(join(project, 'broken.json'), '{"files": [1]}');
    cases.push([['discover', readfiles, '-c', 'broken.json'], /^ukify: broken.json: files: /]);
    for (const [args, message] of cases) {
      const r = await ukify(args, project);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.status, args.join(' ')).toBe(2);
    }
    // The broken config is left as it was.
    expect(readFileSync(join(project, 'broken.json'), 'utf8')).toBe('{"files": [1]}');
  });
});
