// Hand-built Analysis values for the report tests. Counts in `coverage` are written out by hand
// from the lists below, not computed by any code under test.
import type { Analysis, SyscallUse } from '../analyzer/analysis.js';

const libc = '/lib/x86_64-linux-gnu/libc.so.6';
const app = '/opt/demo/bin/demo-server';

function use(nr: number, name: string, status: SyscallUse['status'], note: string, sites: number, from: [string, string][]): SyscallUse {
  return { nr, name, status, note, sites, from: from.map(([object, fn]) => ({ object, function: fn })) };
}

/** A dynamic PIE with 8 syscalls: 3 full, 2 partial, 1 fake, 1 stub, 1 missing; 2 unresolved sites, 1 32-bit site. */
export function sampleAnalysis(): Analysis {
  return {
    binary: app,
    arch: 'x86-64',
    sites: [],
    type: 'dynamic-pie',
    interpreter: '/lib64/ld-linux-x86-64.so.2',
    libraries: [
      { soname: 'libc.so.6', path: libc, neededBy: [app] },
      { soname: 'libevil<b>.so', path: '/tmp/lib"evil"<i>.so', neededBy: [app] },
    ],
    paths: [{ path: '/etc/sample.conf', namedBy: [app] }],
    usesIconv: false,
    syscalls: [
      use(0, 'read', 'full', '', 3, [[libc, '__read'], [libc, '__read_nocancel'], [libc, 'read'], [app, 'slurp']]),
      use(1, 'write', 'full', '', 2, [[libc, '__write'], [libc, '__write_nocancel']]),
      use(3, 'close', 'full', '', 1, [[libc, '__close']]),
      use(9, 'mmap', 'partial', 'no MAP_SHARED file mappings', 2, [[libc, '__mmap'], [app, '<script>alert(1)</script>']]),
      use(16, 'ioctl', 'partial', 'TCGETS and FIONBIO only', 1, [[libc, 'ioctl']]),
      use(57, 'fork', 'stub', 'returns -ENOSYS', 1, [[libc, '_Fork']]),
      use(149, 'mlock', 'fake', 'succeeds without pinning', 1, [[libc, 'mlock']]),
      use(
        441,
        'epoll_pwait2',
        'missing',
        '',
        1,
        [[libc, 'epoll_pwait2_with_a_very_long_name_that_goes_on_and_on_and_on_forever']],
      ),
    ],
    unresolved: [
      { object: libc, address: '0x11e0a9', function: 'syscall', reason: 'number comes from a function argument' },
      { object: app, address: '0x4011a0', function: 'evil|name`<img src=x onerror=alert(2)>', reason: 'number loaded from memory' },
    ],
    abi32Sites: [{ object: app, address: '0x401200', function: 'legacy_exit', reason: 'int 0x80' }],
    doubts: [{ object: app, reason: 'code addresses found only in data, decoded as functions', count: 3 }],
    coverage: { total: 8, full: 3, partial: 2, fake: 1, stub: 1, missing: 1, unresolved: 2 },
  };
}

/** A static binary with no syscalls found at all. */
export function emptyAnalysis(): Analysis {
  return {
    binary: '/tmp/empty',
    arch: 'x86-64',
    sites: [],
    type: 'static',
    interpreter: null,
    libraries: [],
    paths: [],
    usesIconv: false,
    syscalls: [],
    unresolved: [],
    abi32Sites: [],
    doubts: [],
    coverage: { total: 0, full: 0, partial: 0, fake: 0, stub: 0, missing: 0, unresolved: 0 },
  };
}
