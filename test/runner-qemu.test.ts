// The runner against real QEMU, with the channel-test variant of the floor kernel (bench/floor/):
// it writes known bytes to COM1, COM2 and the debugcon, then powers off. This checks the wiring
// (binary-safe stdout, stderr apart, log lines, exit record) without depending on our kernel.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildFloor } from '../bench/floor/build.js';
import { qemuArgs } from '../runner/qemu-args.js';
import { DEBUGCON_FD, QemuError, runQemu, STDERR_FD } from '../runner/qemu-process.js';

function collect(stream: PassThrough): () => Buffer {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks);
}

async function boot(image: string, qemu = 'qemu-system-x86_64') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const log: string[] = [];
  const args = qemuArgs({ image, memoryMiB: 8, accel: 'tcg', append: 'quiet', stderrFd: STDERR_FD, debugconFd: DEBUGCON_FD });
  const status = await runQemu({ qemu, args, onLog: (l) => log.push(l), stdout, stderr });
  return { status, stdout: out(), stderr: err().toString('latin1'), log };
}

describe('runner channels under QEMU', () => {
  it('delivers COM1 bytes exactly, COM2 apart, log lines and the exit status', async () => {
    const r = await boot(buildFloor('channels'));
    expect(r.stdout).toEqual(Buffer.from('out\n\r\n\0\xffend', 'latin1'));
    expect(r.stderr).toBe('err\n');
    expect(r.log).toEqual(['ukify: channel test']);
    expect(r.status).toBe(42);
  });

  it('maps a VM that stops without an exit record to 125 with one line', async () => {
    const r = await boot(buildFloor('floor'));
    expect(r.status).toBe(125);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toBe('ukify: the VM stopped without an exit record (QEMU exit status 1)\n');
  });

  it('reports a missing QEMU binary as one clear error', async () => {
    await expect(boot(buildFloor('floor'), 'qemu-system-x86_64-not-installed')).rejects.toThrow(QemuError);
    await expect(boot(buildFloor('floor'), 'qemu-system-x86_64-not-installed')).rejects.toThrow(/not found: install QEMU/);
  });
});
