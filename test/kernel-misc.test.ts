// Real Debian programs that call the identity, xattr, resource and scheduling syscalls
// (syscall-shim/ids.c, xattr.c, resource.c, sched.c, ...), booted with `ukify run PROGRAM` and
// compared with the same command run natively (as root, like the guest's app).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { etcFiles } from '../packager/etc-files.js';
import { kernelElf } from './kernel-boot.js';
import { runNative } from './helpers/native.js';
import { expectSameRun, ukifyRun } from './helpers/guest.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-misc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const run = (args: string[]) => ukifyRun(args, { cwd: work, env: { ...process.env, UKIFY_KERNEL: kernelElf } });

describe('real programs and the syscalls of syscall-shim/ids.c, xattr.c, resource.c, sched.c', () => {
  it('the tests run as root, as the guest app does (the native oracle below assumes it)', () => {
    expect(runNative('/usr/bin/id', ['-u']).stdout).toBe('0\n');
  });

  it('ls -la /etc (coreutils) writes nothing on stderr: lgetxattr/getxattr answer EOPNOTSUPP, as on Linux procfs', () => {
    const etc = join(work, 'etc');
    mkdirSync(etc);
    for (const f of etcFiles()) writeFileSync(join(etc, f.path.slice('/etc/'.length)), f.text, { mode: 0o644 });
    const native = runNative('/usr/bin/ls', ['-la', etc]);
    expect(native.stderr).toBe('');
    const guest = run(['/usr/bin/ls', '--', '-la', '/etc']);
    expect(guest.appStderr).toBe(native.stderr);
    expect(guest.stdout).toMatch(/ passwd\n/);
    expect(guest.status, guest.stderr).toBe(native.status);
  });

  for (const args of [[], ['-G'], ['-u'], ['-gn'], ['-Gn']]) {
    it(`id ${args.join(' ')} (coreutils): Linux's output and status`, () => {
      expectSameRun(run(['/usr/bin/id', '--', ...args]), runNative('/usr/bin/id', args));
    });
  }

  for (const args of [['id'], ['id', '-G'], ['groups'], ['ionice', '-p', '1']]) {
    it(`busybox ${args.join(' ')}: Linux's output and status`, () => {
      expectSameRun(run(['/bin/busybox', '--', ...args]), runNative('/bin/busybox', args));
    });
  }

  it('busybox free and uptime (sysinfo): the same shape of output as natively', () => {
    for (const [args, shape] of [
      [['free'], /^Mem:\s+[1-9]\d*\s+\d+\s+[1-9]\d*\s/m],
      [['uptime'], /^ \d\d:\d\d:\d\d up .*load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\n$/],
    ] as const) {
      const native = runNative('/bin/busybox', args);
      expect(native.stdout).toMatch(shape);
      const guest = run(['/bin/busybox', '--', ...args]);
      expect(guest.stdout).toMatch(shape);
      expect(guest.appStderr).toBe('');
      expect(guest.status).toBe(0);
    }
  });

  it('python3: groups, saved ids, dropping and regaining euid, nice, scheduler, rusage, times, loadavg, xattrs as natively', () => {
    const code = [
      'import os, resource, errno',
      'os.setgroups([30, 10, 20]); print(os.getgroups(), os.getresuid(), os.getresgid())',
      'os.setegid(5); os.seteuid(1000); print(os.getresuid(), os.getresgid())',
      'try:\n    os.setgroups([1])\nexcept PermissionError as e:\n    print("setgroups as euid 1000:", errno.errorcode[e.errno])',
      'os.seteuid(0); os.setegid(0); os.setgroups([]); print(os.getgroups(), os.geteuid(), os.getegid())',
      'os.setpriority(os.PRIO_PROCESS, 0, 7); print(os.getpriority(os.PRIO_PROCESS, 0), os.nice(1))',
      'print(os.sched_getscheduler(0), os.sched_getparam(0).sched_priority, os.sched_get_priority_max(os.SCHED_FIFO))',
      'print(len(os.getloadavg()), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0, os.times().elapsed > 0)',
      'print(os.listxattr("/proc/self/status"))',
      'for name in ("user.x", "security.selinux", "system.posix_acl_access"):',
      '    try:\n        os.getxattr("/proc/self/status", name)\n    except OSError as e:\n        print(name, errno.errorcode[e.errno])',
    ].join('\n');
    const native = runNative('/usr/bin/python3', ['-c', code]);
    expect(native.stdout).toContain('[10, 20, 30] (0, 0, 0) (0, 0, 0)\n(0, 1000, 0) (0, 5, 0)\nsetgroups as euid 1000: EPERM\n');
    expectSameRun(run(['/usr/bin/python3', '--dir', '/usr/lib/python3.11:/usr/lib/python3.11', '--', '-c', code]), native);
  });

  it('python3 os.copy_file_range between two files in a temporary folder, as natively', () => {
    const code = [
      'import os, tempfile',
      'd = tempfile.mkdtemp(); a, b = os.path.join(d, "a"), os.path.join(d, "b")',
      'open(a, "wb").write(bytes(range(256)) * 40)',
      'fi, fo = os.open(a, os.O_RDONLY), os.open(b, os.O_WRONLY | os.O_CREAT)',
      'print(os.copy_file_range(fi, fo, 5000, 100), os.copy_file_range(fi, fo, 99999), os.copy_file_range(fi, fo, 10))',
      'os.close(fi); os.close(fo); data = open(b, "rb").read()',
      'print(len(data), data == (bytes(range(256)) * 40)[100:5100] + bytes(range(256)) * 40)',
      'os.unlink(a); os.unlink(b); os.rmdir(d)',
    ].join('\n');
    const native = runNative('/usr/bin/python3', ['-c', code]);
    // the first copy gives its own input offset, so the second starts at the file's offset 0
    expect(native.stdout).toBe('5000 10240 0\n15240 True\n');
    expectSameRun(run(['/usr/bin/python3', '--dir', '/usr/lib/python3.11:/usr/lib/python3.11', '--', '-c', code]), native);
  });
});
