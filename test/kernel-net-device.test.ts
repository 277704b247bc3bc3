// The virtio-net driver (kernel/virtio/) under QEMU microvm (TCG): found through the
// virtio_mmio.device= entries QEMU appends to the command line, on both virtio-mmio transports
// (legacy version 1, QEMU 7.2's default, and version 2 with force-legacy=false), with frames really
// flowing: `net_selftest` sends an ARP request for slirp's gateway and logs who answered.
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { bootImage, buildImage, type GuestRun } from './kernel-boot.js';
import { runNative } from './helpers/native.js';

const hello = fixturePath('hello', 'musl-static');
const args = ['5', 'net'];
const native = runNative(hello, args);
const image = await buildImage(hello, { args });

const MAC = '52:54:00:ab:cd:ef';
const OTHER_MAC = '02:00:00:12:34:56';
const modern = ['-global', 'virtio-mmio.force-legacy=false'];
const userNet = (mac: string): string[] => ['-netdev', 'user,id=n0', '-device', `virtio-net-device,netdev=n0,mac=${mac}`];

function netLines(run: GuestRun): string[] {
  return run.log.split('\n').filter((l) => l.startsWith('ukify: net:'));
}

function expectAppUnaffected(run: GuestRun): void {
  expect(native.status).toBe(5);
  expect(run.stdout).toBe(native.stdout);
  expect(run.exit).toBe(5);
}

describe('virtio-net device', () => {
  it(`legacy virtio-mmio (QEMU's default): the kernel names the MAC given to QEMU, the app runs as natively`, () => {
    const run = bootImage(image, { append: 'verbose', qemuArgs: userNet(MAC) });
    expect(run.log).toMatch(/^ukify: net: virtio-mmio version 1 at feb00e00, IRQ 12, 10-byte header, queues of 128$/m);
    expect(netLines(run).filter((l) => l.includes('virtio-net MAC'))).toEqual([`ukify: net: virtio-net MAC ${MAC}`]);
    expectAppUnaffected(run);
  });

  it('modern virtio-mmio (version 2, VERSION_1 negotiated): another MAC, the 12-byte header', () => {
    const run = bootImage(image, { append: 'verbose', qemuArgs: [...modern, ...userNet(OTHER_MAC)] });
    expect(run.log).toMatch(/^ukify: net: virtio-mmio version 2 at feb00e00, IRQ 12, 12-byte header, queues of 128$/m);
    expect(netLines(run).filter((l) => l.includes('virtio-net MAC'))).toEqual([`ukify: net: virtio-net MAC ${OTHER_MAC}`]);
    expectAppUnaffected(run);
  });

  it('without a network device: no net line, the app runs as natively', () => {
    const run = bootImage(image, { append: 'verbose' });
    expect(run.log).toMatch(/^ukify: boot: kernel entry to app \d+ us$/m); // verbose logging was on
    expect(netLines(run)).toEqual([]);
    expectAppUnaffected(run);
  });

  it('the MAC line is info level: absent without verbose', () => {
    const run = bootImage(image, { qemuArgs: userNet(MAC) });
    expect(netLines(run)).toEqual([]);
    expectAppUnaffected(run);
  });

  it('malformed and empty virtio_mmio.device= entries are skipped with a warning; the real device is still found', () => {
    const run = bootImage(image, {
      append: 'verbose virtio_mmio.device=bogus virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=512@0xfeb00e00',
      qemuArgs: userNet(MAC),
    });
    expect(run.log).toContain("ukify: ignoring malformed option 'virtio_mmio.device=bogus' (expected virtio_mmio.device=SIZE@ADDR:IRQ)");
    expect(run.log).toContain("ukify: ignoring malformed option 'virtio_mmio.device=512@0xfeb00e00' (expected");
    expect(netLines(run)).toContain(`ukify: net: virtio-net MAC ${MAC}`);
    expectAppUnaffected(run);
  });

  it('after `--`: QEMU\'s trailing entries are the kernel\'s, a look-alike followed by another argument is the app\'s', () => {
    const lookAlike = 'virtio_mmio.device=512@0xfeb00e00:12';
    for (const appArgs of [['7', 'a b'], [lookAlike, 'last']]) {
      const ref = runNative(hello, appArgs);
      const quoted = appArgs.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ');
      const run = bootImage(image, { append: `verbose -- ${quoted}`, qemuArgs: userNet(MAC) });
      expect(run.stdout).toBe(ref.stdout);
      expect(run.exit).toBe(ref.status);
      expect(netLines(run)).toContain(`ukify: net: virtio-net MAC ${MAC}`);
    }
  });
});

describe('net_selftest: an ARP request to 10.0.2.2 and the reply, through the RX interrupt', () => {
  // slirp's gateway answers with 52:55:0a:00:02:02 (QEMU's documented user-mode network)
  for (const [name, extra] of [['legacy', []], ['modern', modern]] as const) {
    it(`${name} transport: slirp's gateway answers`, () => {
      const run = bootImage(image, { append: 'net_selftest', qemuArgs: [...extra, ...userNet(MAC)] });
      expect(netLines(run)).toEqual(['ukify: net: selftest: ARP reply from 52:55:0a:00:02:02']);
      expectAppUnaffected(run);
    });
  }

  it('a device with no network behind it: no reply, said so after about a second, the app still runs', () => {
    const t0 = Date.now();
    const run = bootImage(image, { append: 'net_selftest', qemuArgs: ['-device', `virtio-net-device,mac=${MAC}`] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(netLines(run)).toEqual(['ukify: net: selftest: no ARP reply from 10.0.2.2 within 1 s']);
    expectAppUnaffected(run);
  });
});
