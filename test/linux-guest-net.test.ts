// The Linux guest with a network device, as the network benchmark uses it: the module list worked out
// from the package (pure parts on hand-written inputs, the real modules against objcopy's reading of
// them), the initramfs's network entries (checked with the cpio tool), the QEMU arguments, and one
// real boot: Debian's nginx in Debian's kernel answering 200 through QEMU's port forward.
// The parts that need the kernel package skip, with the reason, when it cannot be fetched.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configValue, loadOrder, moduleFiles, moduleInfo } from '../bench/linux-guest/modules.js';
import { LinuxGuestError, linuxQemuArgs, makeInitramfs, prepareLinuxGuest, startLinux, type LinuxGuestKernel } from '../bench/lib-linux-guest.js';
import { fixturePath } from '../fixtures/index.js';
import { freePort } from '../harness/free-port.js';

describe('module list from the package', () => {
  it('finds plain and compressed modules in a tar listing, by kernel name', () => {
    const listing = [
      './boot/vmlinuz-6.1.0-56-amd64',
      './lib/modules/6.1.0-56-amd64/',
      './lib/modules/6.1.0-56-amd64/kernel/drivers/net/virtio_net.ko',
      './lib/modules/6.12.1-amd64/kernel/net/core/failover.ko.xz',
      './lib/modules/6.12.1-amd64/kernel/drivers/virtio/virtio-mmio.ko.zst',
      './usr/share/doc/x.ko',
    ].join('\n');
    const files = moduleFiles(listing);
    expect([...files.keys()].sort()).toEqual(['failover', 'virtio_mmio', 'virtio_net']);
    expect(files.get('failover')).toEqual({ path: './lib/modules/6.12.1-amd64/kernel/net/core/failover.ko.xz', compression: 'xz' });
    expect(files.get('virtio_mmio')?.compression).toBe('zstd');
    expect(files.get('virtio_net')?.compression).toBe('none');
  });

  it('reads y, m and unset options from a kernel config', () => {
    const config = 'CONFIG_VIRTIO_MMIO=m\n# CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set\nCONFIG_VIRTIO_NET=y\n';
    expect(configValue(config, 'CONFIG_VIRTIO_MMIO')).toBe('m');
    expect(configValue(config, 'CONFIG_VIRTIO_NET')).toBe('y');
    expect(configValue(config, 'CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES')).toBeUndefined();
    expect(configValue(config, 'CONFIG_VIRTIO')).toBeUndefined();
  });

  it('orders modules after what they depend on, each once, and names a missing one or a circle', () => {
    const deps = new Map<string, string[]>([
      ['virtio_net', ['virtio_ring', 'virtio', 'net_failover']],
      ['virtio_mmio', ['virtio', 'virtio_ring']],
      ['virtio', ['virtio_ring']],
      ['virtio_ring', []],
      ['net_failover', ['failover']],
      ['failover', []],
    ]);
    expect(loadOrder(['virtio_mmio', 'virtio_net'], deps)).toEqual(['virtio_ring', 'virtio', 'virtio_mmio', 'failover', 'net_failover', 'virtio_net']);
    expect(() => loadOrder(['a'], new Map([['a', ['b']]]))).toThrow('kernel module b is needed by a but the package does not hold it');
    expect(() => loadOrder(['a'], new Map([['a', ['b']], ['b', ['a']]]))).toThrow('in a circle: a -> b -> a');
  });

  it('refuses a file that is not a module, in one line', () => {
    expect(() => moduleInfo(new Uint8Array(10), 'x.ko')).toThrow(LinuxGuestError);
    expect(() => moduleInfo(readFileSync(fixturePath('hello', 'glibc-static')), 'hello.ko')).toThrow('hello.ko: not a kernel module (no .modinfo section)');
  });
});

describe('linuxQemuArgs with a network', () => {
  it('adds the user network with the forward and a virtio-net device, as ukify run -p does', () => {
    const forwards = [{ address: '127.0.0.1', hostPort: 8080, guestPort: 80, protocol: 'tcp' as const, source: '-p 8080:80' }];
    const args = linuxQemuArgs({ vmlinux: 'v', initrd: 'i', accel: 'tcg', network: { forwards } });
    expect(args.slice(-4)).toEqual(['-netdev', 'user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80', '-device', 'virtio-net-device,netdev=net0']);
    // microvm keeps ACPI: its DSDT is where the guest's virtio_mmio driver finds the device.
    expect(args[args.indexOf('-M') + 1]).toBe('microvm');
    expect(linuxQemuArgs({ vmlinux: 'v', initrd: 'i', accel: 'tcg' })).not.toContain('-netdev');
  });
});

describe('the Linux guest on the network (Debian\'s kernel package, fetched once into .cache/linux-guest)', () => {
  let kernel: LinuxGuestKernel | undefined;
  let unavailable = '';
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ukify-linux-guest-net-'));
    try {
      kernel = prepareLinuxGuest();
    } catch (error) {
      if (!(error instanceof LinuxGuestError && error.unavailable)) throw error;
      unavailable = error.message;
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds virtio_mmio, virtio_net and what they need, in an order where each follows its dependencies (as objcopy reads .modinfo)', (ctx) => {
    if (kernel === undefined) return ctx.skip(`kernel package not available: ${unavailable}`);
    const names = kernel.modules.map((m) => basename(m, '.ko'));
    expect(names).toEqual(expect.arrayContaining(['virtio_mmio', 'virtio_net']));
    names.forEach((name, i) => {
      const section = join(dir, `${name}.modinfo`); // objcopy cannot write to a pipe
      execFileSync('objcopy', ['-O', 'binary', '--only-section=.modinfo', kernel?.modules[i] ?? '', section]);
      const modinfo = readFileSync(section, 'latin1').split('\0');
      expect(modinfo).toContain(`name=${name}`);
      const depends = (modinfo.find((e) => e.startsWith('depends='))?.slice(8) ?? '').split(',').filter((d) => d !== '');
      for (const dep of depends) expect(names.indexOf(dep), `${name} needs ${dep} loaded first`).toBeGreaterThanOrEqual(0);
      for (const dep of depends) expect(names.indexOf(dep)).toBeLessThan(i);
      // Uncompressed: finit_module gets the ELF itself.
      expect(readFileSync(kernel?.modules[i] ?? '').subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    });
  });

  it('puts /net, the modules in load order and the /etc files in the initramfs', (ctx) => {
    if (kernel === undefined) return ctx.skip(`kernel package not available: ${unavailable}`);
    const archive = join(dir, 'net.cpio');
    makeInitramfs(fixturePath('hello', 'glibc-static'), [], archive, [], { modules: kernel.modules });
    const names = execFileSync('cpio', ['-it', '--quiet', '-F', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toEqual(expect.arrayContaining(['init', 'prog', 'args', 'net', 'modules', 'etc/passwd', 'etc/group', 'etc/hosts']));
    const out = join(dir, 'x');
    execFileSync('cpio', ['-id', '--quiet', '-D', out, '-F', archive]);
    kernel.modules.forEach((m, i) => expect(readFileSync(join(out, 'modules', `${i}.ko`)).equals(readFileSync(m))).toBe(true));
    expect(names).not.toContain(`modules/${kernel.modules.length}.ko`);
  });

  it('boots with nginx, which answers GET / with 200 through the port forward', async (ctx) => {
    if (kernel === undefined) return ctx.skip(`kernel package not available: ${unavailable}`);
    const site = join(dir, 'site');
    mkdirSync(join(site, 'html'), { recursive: true });
    const page = '<h1>nginx in the Linux guest</h1>\n';
    writeFileSync(join(site, 'html', 'index.html'), page);
    writeFileSync(
      join(site, 'nginx.conf'),
      [
        'master_process off; daemon off; error_log stderr; pid /tmp/nginx.pid;',
        'events { worker_connections 16; }',
        `http { access_log off; client_body_temp_path ${site}/cb; proxy_temp_path ${site}/p; fastcgi_temp_path ${site}/f;`,
        `  uwsgi_temp_path ${site}/u; scgi_temp_path ${site}/s; server { listen 80; root ${site}/html; } }`,
        '',
      ].join('\n'),
    );
    const initrd = join(dir, 'nginx.cpio');
    makeInitramfs('/usr/sbin/nginx', ['-c', join(site, 'nginx.conf'), '-p', site], initrd, [{ host: site, guest: site }], { modules: kernel.modules });
    const port = await freePort();
    const forwards = [{ address: '127.0.0.1', hostPort: port, guestPort: 80, protocol: 'tcp' as const, source: 'test' }];
    const guest = await startLinux({ vmlinux: kernel.vmlinux, initrd, network: { forwards }, timeoutMs: 25_000 });
    try {
      let answer: { status: number; body: string } | undefined;
      const deadline = performance.now() + 20_000;
      while (answer?.status !== 200 && performance.now() < deadline && guest.running()) {
        answer = await get(port).catch(() => undefined);
        if (answer === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(answer, `no answer; guest console ends:\n${guest.console().slice(-600)}`).toEqual({ status: 200, body: page });
    } finally {
      await guest.stop();
    }
    expect(guest.running()).toBe(false);
  }, 30_000);
});

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}
