// The fixture programs: every program × variant is built, is the kind of ELF its variant promises
// (checked with readelf, independent of our own ELF module), and behaves as specified when run
// natively. Expected outputs are written from the specification, not captured from a run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath, programs, variantLibc, variantLinkage, variants, type Variant } from '../fixtures/index.js';
import { runNative } from './helpers/native.js';

const scratch = mkdtempSync(join(tmpdir(), 'ukify-fixtures-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function freshDir(name: string): string {
  const dir = join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

function readelf(args: string[], path: string): string {
  const r = spawnSync('readelf', [...args, '-W', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`readelf ${args.join(' ')} ${path} failed: ${r.stderr}`);
  return r.stdout;
}

interface ElfFacts {
  elfClass: string;
  machine: string;
  type: string;
  interpreter: string | null;
  hasDynamicSegment: boolean;
  hasSymtab: boolean;
}

function elfFacts(path: string): ElfFacts {
  const out = readelf(['-h', '-l', '-S'], path);
  const field = (name: string): string => out.match(new RegExp(`^\\s*${name}:\\s+(.*)$`, 'm'))?.[1].trim() ?? '';
  return {
    elfClass: field('Class'),
    machine: field('Machine'),
    type: field('Type').split(' ')[0],
    interpreter: out.match(/\[Requesting program interpreter: (.*)\]/)?.[1] ?? null,
    hasDynamicSegment: /^\s*DYNAMIC\s/m.test(out),
    hasSymtab: /\]\s+\.symtab\s+SYMTAB\s/.test(out),
  };
}

function functionSymbols(path: string): Set<string> {
  const names = new Set<string>();
  for (const line of readelf(['-s'], path).split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[3] === 'FUNC' && cols[7]) names.add(cols[7].split('@')[0]);
  }
  return names;
}

// FNV-1a 64, written here independently of fixtures/mmap.c, to check what mmap read.
function fnv1a64(data: Buffer): string {
  let h = 0xcbf29ce484222325n;
  for (const b of data) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

const interpreters = { glibc: '/lib64/ld-linux-x86-64.so.2', musl: '/lib/ld-musl-x86_64.so.1' } as const;

describe.each(variants)('fixtures, variant %s', (variant: Variant) => {
  const path = (prog: (typeof programs)[number]): string => fixturePath(prog, variant);

  it('every program is built as an x86-64 ELF64 of the right kind, with symbols', () => {
    for (const prog of programs) {
      expect(existsSync(path(prog)), `${path(prog)} missing`).toBe(true);
      const f = elfFacts(path(prog));
      expect(f.elfClass, prog).toBe('ELF64');
      expect(f.machine, prog).toBe('Advanced Micro Devices X86-64');
      expect(f.hasSymtab, `${prog} has .symtab`).toBe(true);
      switch (variantLinkage(variant)) {
        case 'static':
          expect(f.type, prog).toBe('EXEC');
          expect(f.interpreter, prog).toBeNull();
          break;
        case 'static-pie':
          expect(f.type, prog).toBe('DYN');
          expect(f.interpreter, prog).toBeNull();
          expect(f.hasDynamicSegment, `${prog} has PT_DYNAMIC for its self-relocation`).toBe(true);
          break;
        case 'dynamic':
          expect(f.interpreter, prog).toBe(interpreters[variantLibc(variant)]);
          break;
      }
    }
  });

  it('static variants carry the right libc', () => {
    if (variantLinkage(variant) === 'dynamic') return; // checked through the interpreter above
    const syms = functionSymbols(path('hello'));
    // __init_libc exists only in musl, __libc_setup_tls only in glibc.
    const marker = variantLibc(variant) === 'musl' ? '__init_libc' : '__libc_setup_tls';
    expect(syms.has(marker), marker).toBe(true);
  });

  it('hello prints argc, argv0 basename, argv[1..], the env var, and exits with argv[1]', () => {
    const r = runNative(path('hello'), ['7', 'two words', ''], { env: { UKIFY_GREETING: 'bonjour' } });
    expect(r.stdout).toBe(
      `argc=4\nargv0=hello.${variant}\nargv[1]=7\nargv[2]=two words\nargv[3]=\nUKIFY_GREETING=bonjour\n`,
    );
    expect(r.status).toBe(7);
    const bare = runNative(path('hello'));
    expect(bare.stdout).toBe(`argc=1\nargv0=hello.${variant}\nUKIFY_GREETING=(unset)\n`);
    expect(bare.status).toBe(0);
    expect(runNative(path('hello'), ['word']).status).toBe(0);
  });

  it('probe gets ENOSYS for syscall 500 and carries on', () => {
    const r = runNative(path('probe'));
    expect(r.stdout).toBe('syscall(500) returned -1 errno=ENOSYS\nstill alive\n');
    expect(r.status).toBe(0);
  });

  it('crash prints its line, then dies of SIGSEGV in a function named crash_here', () => {
    const r = runNative(path('crash'));
    expect(r.stdout).toBe('about to crash\n');
    expect(r.signal).toBe('SIGSEGV');
    expect(functionSymbols(path('crash')).has('crash_here')).toBe(true);
  });

  it('threads: mutex counter, condvar queue and TLS give the exact totals', () => {
    const r = runNative(path('threads'));
    expect(lines(r.stdout)).toEqual([
      'workers=4 increments=100000 counter=400000',
      'worker tls intact: yes',
      'main tls intact: yes',
      'queue items=1000 sum=500500 in order: yes',
      'threads ok',
    ]);
    expect(r.status).toBe(0);
  });

  it('signals: handlers, pending-while-blocked, SIG_IGN and SIGSEGV recovery all pass', () => {
    const r = runNative(path('signals'));
    const out = lines(r.stdout);
    for (const step of [
      'raise SIGUSR1 ran handler: ok',
      'SIGUSR2 pending while blocked: ok',
      'SIGUSR2 delivered on unblock: ok',
      'ignored SIGUSR1 not delivered: ok',
      'SIGSEGV at NULL recovered: ok',
      'SIGSEGV recovered again: ok',
    ]) expect(out).toContain(step);
    expect(out.filter((l) => l.includes('FAILED'))).toEqual([]);
    expect(out.at(-1)).toBe('signals ok');
    expect(r.status).toBe(0);
  });

  it('mmap: anonymous, protected, unmapped and file mappings behave; temp file removed', () => {
    const cwd = freshDir(`mmap-${variant}`);
    const r = runNative(path('mmap'), [], { cwd });
    const out = lines(r.stdout);
    for (const step of [
      'anon pages zero-filled: ok',
      'write to read-only page faulted: ok',
      'access after munmap faulted: ok',
      '16 MiB touched page by page: ok',
      'shared write visible through read: ok',
      'private write not in file: ok',
    ]) expect(out).toContain(step);
    expect(out.filter((l) => l.includes('FAILED'))).toEqual([]);
    expect(out.at(-1)).toBe('mmap ok');
    expect(r.status).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('mmap of a given file reads exactly its bytes', () => {
    const file = join(freshDir(`mmap-given-${variant}`), 'data.bin');
    // Content from a hash chain: deterministic, not page-aligned in size, not all one byte value.
    const chunks: Buffer[] = [];
    for (let i = 0; chunks.length * 32 < 20_000; i++) chunks.push(createHash('sha256').update(String(i)).digest());
    const data = Buffer.concat(chunks).subarray(0, 20_003);
    writeFileSync(file, data);
    const r = runNative(path('mmap'), [file]);
    expect(lines(r.stdout)).toContain(`file size=${data.length} fnv1a=${fnv1a64(data)}`);
    expect(r.status).toBe(0);
  });

  it('time: every clock check passes', () => {
    const r = runNative(path('time'));
    const out = lines(r.stdout);
    expect(out).toContain('nanosleep slept at least 10 ms: ok');
    expect(out.filter((l) => l.includes('FAILED'))).toEqual([]);
    expect(out.at(-1)).toBe('time ok');
    expect(r.status).toBe(0);
  });

  it('files: create, read, list, rename, unlink, rmdir in the given directory, leaving it empty', () => {
    const dir = freshDir(`files-${variant}`);
    const r = runNative(path('files'), [dir]);
    const out = lines(r.stdout);
    expect(out).toContain('read ukify-files/a.txt: 12 bytes: hello, file');
    expect(out.filter((l) => l.startsWith('list:'))).toEqual([
      'list: a.txt b.txt sub',
      'list: b.txt renamed.txt sub',
      'list:',
    ]);
    expect(out).toContain('stat old name: ENOENT');
    expect(out).toContain('rmdir non-empty ukify-files: ENOTEMPTY');
    expect(out.at(-1)).toBe('files ok');
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual([]);

    const bad = runNative(path('files'), [join(dir, 'no-such-dir')]);
    expect(lines(bad.stdout)[0]).toBe('mkdir ukify-files: ENOENT');
    expect(bad.status).toBe(1);
  });

  it('nullsys makes exactly N getppid syscalls (counted by strace) and prints ns per call', () => {
    const r = runNative(path('nullsys'), ['2000']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^getppid calls=2000\nns_per_call=\d+\.\d\n$/);
    const log = join(scratch, `strace-${variant}.txt`);
    const traced = spawnSync('strace', ['-f', '-qq', '-e', 'trace=getppid', '-o', log, path('nullsys'), '2000']);
    expect(traced.status).toBe(0);
    expect(lines(readFileSync(log, 'utf8')).filter((l) => /getppid\(\)\s+=\s+\d+/.test(l))).toHaveLength(2000);

    const bad = runNative(path('nullsys'), ['lots']);
    expect(bad.status).toBe(2);
    expect(lines(bad.stderr)).toHaveLength(1);
  });

  it('echo-server listens, echoes one connection byte for byte, then exits 0', async () => {
    const server = spawn(path('echo-server'), ['0', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          const m = stdout.match(/^listening on (\d+)\n/);
          if (m) resolve(Number(m[1]));
        });
        server.on('exit', () => reject(new Error(`echo-server exited early: ${stdout}`)));
      });
      const payload = Buffer.concat([Buffer.from('hello, echo\n'), Buffer.alloc(70_000, 0xa5)]);
      const echoed = await new Promise<Buffer>((resolve, reject) => {
        const got: Buffer[] = [];
        const sock = connect(port, '127.0.0.1', () => sock.end(payload));
        sock.on('data', (d: Buffer) => got.push(d));
        sock.on('end', () => resolve(Buffer.concat(got)));
        sock.on('error', reject);
      });
      expect(echoed.equals(payload)).toBe(true);
      expect(await exited).toBe(0);
      expect(stdout).toBe(`listening on ${port}\nconnection 1: echoed ${payload.length} bytes\n`);
    } finally {
      server.kill('SIGKILL');
    }

    const bad = runNative(path('echo-server'), ['99999']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("echo-server: bad port '99999' (want 0..65535)\n");
  });
});

describe('fixtures agree across variants', () => {
  // Same source, five libc/link combinations: deterministic programs must print the same thing.
  it.each(['threads', 'signals', 'time', 'probe'] as const)('%s prints the same under every variant', (prog) => {
    const outputs = variants.map((v) => runNative(fixturePath(prog, v)).stdout);
    for (const out of outputs) expect(out).toBe(outputs[0]);
  });
});

describe('runNative helper', () => {
  it('kills a program that outlives its timeout and says so', () => {
    // echo-server blocks in accept() forever when nobody connects.
    const r = runNative(fixturePath('echo-server', 'musl-static'), ['0'], { timeoutMs: 2000 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(r.status).toBeNull();
    expect(r.stdout).toMatch(/^listening on \d+\n$/);
  });

  it('gives the program an empty environment unless told otherwise', () => {
    process.env.UKIFY_GREETING = 'from the test process';
    try {
      expect(runNative(fixturePath('hello', 'glibc-static')).stdout).toContain('UKIFY_GREETING=(unset)\n');
    } finally {
      delete process.env.UKIFY_GREETING;
    }
  });
});
