// Recall of the static syscall set: every syscall a program makes when it runs on the host (seen by
// strace) must be in the set the analyzer finds without running it. Precision (static / traced) is
// printed for each program.
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeProgram } from '../analyzer/analyze.js';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { fixturePath, fixturesDir, variants } from '../fixtures/index.js';
import { traceNginxServing, traceRun } from '../harness/strace.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-recall-'));
const cacheDir = join(work, 'cache');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Only processes running `binary` count: a shell's children that exec other programs are not its calls. */
async function checkRecall(label: string, binary: string, argv: string[]): Promise<void> {
  await checkTrace(label, binary, traceRun(work, argv, binary).syscalls);
}

async function checkTrace(label: string, binary: string, seen: Set<number>): Promise<void> {
  const analysis = await analyzeProgram(binary, { cacheDir });
  const found = new Set(analysis.syscalls.map((s) => s.nr));
  // A number outside the catalog (a program probing an unknown syscall) is reported as unresolved.
  const unknownNrs = analysis.unresolved.map((u) => /^(\d+) is not an x86-64 syscall number$/.exec(u.reason)?.[1]).filter((n) => n !== undefined).map(Number);
  const missed = [...seen].filter((n) => !found.has(n) && !unknownNrs.includes(n)).map((n) => analysisName(n));
  process.stdout.write(`recall ${label}: traced ${seen.size}, static ${found.size}, precision ${(found.size / seen.size).toFixed(2)}x\n`);
  expect(missed, `${label}: traced but not found statically`).toEqual([]);
}

function analysisName(nr: number): string {
  return loadCatalog().get(nr)?.name ?? String(nr);
}

const fixtureRuns: [string, string[]][] = [
  ['hello', []],
  ['files', []],
  ['threads', []],
  ['signals', []],
  ['mmap', []],
  ['time', []],
  ['nullsys', ['1000']],
  ['probe', []],
  ['crash', []],
];

describe('static syscall set contains every traced syscall (fixtures)', () => {
  for (const [prog, args] of fixtureRuns) {
    for (const variant of variants) {
      it(`${prog}.${variant}`, async () => {
        const path = fixturePath(prog as 'hello', variant);
        await checkRecall(`${prog}.${variant}`, path, [path, ...args]);
      });
    }
  }
});

// Syscalls reached only through a const table of function pointers (no relocation marks them in a
// fixed-address executable; no symbols or unwind tables in the stripped builds) and through dlsym by
// name, a plain string and the tail of a longer one (fixtures/fnptr.c).
describe('static syscall set contains every traced syscall (function pointers in data, dlsym)', () => {
  for (const variant of [...variants, 'glibc-static-stripped', 'musl-static-stripped']) {
    it(`fnptr.${variant}`, async () => {
      const path = join(fixturesDir, `fnptr.${variant}`);
      await checkRecall(`fnptr.${variant}`, path, [path, '0', '1', '2']);
    });
  }
});

describe('static syscall set contains every traced syscall (Debian programs)', () => {
  it('busybox echo hi', async () => {
    await checkRecall('busybox echo', '/bin/busybox', ['/bin/busybox', 'echo', 'hi']);
  });
  it('busybox ls /', async () => {
    await checkRecall('busybox ls', '/bin/busybox', ['/bin/busybox', 'ls', '/']);
  });
  it('busybox sh -c running several applets', async () => {
    // Stripped and static: the shell reaches its applets through a table of pointers in read-only data.
    const f = join(work, 'sh-file');
    const script = `echo hi > ${f}; cat ${f}; ls /; sleep 0; uname -r; wc -c < ${f}; ls -l ${f} | wc -l; date +%Y > /dev/null; id -u`;
    await checkRecall('busybox sh', '/bin/busybox', ['/bin/busybox', 'sh', '-c', script]);
  });
  it('python3 -c print(1)', async () => {
    const python = realpathSync('/usr/bin/python3');
    await checkRecall('python3', python, [python, '-c', 'print(1)']);
  });
  it('sqlite3 :memory:', async () => {
    await checkRecall('sqlite3', '/usr/bin/sqlite3', ['/usr/bin/sqlite3', ':memory:', 'create table t(x); insert into t values(1); select * from t;']);
  });
  it('nginx -t', async () => {
    const conf = join(work, 'nginx.conf');
    writeFileSync(conf, `pid ${work}/nginx.pid;\nerror_log ${work}/error.log;\nevents {}\nhttp {\n  access_log off;\n  server { listen 127.0.0.1:18080; }\n}\n`);
    await checkRecall('nginx -t', '/usr/sbin/nginx', ['/usr/sbin/nginx', '-t', '-c', conf, '-p', work, '-e', `${work}/error.log`]);
  });
  it('nginx serving requests, reloading and stopping', async () => {
    await checkTrace('nginx serving', '/usr/sbin/nginx', await traceNginxServing());
  });
});
