// What `--strace=LIST` selects: syscall names and strace's classes (%file, %net, %process,
// %signal, %memory), and at most one other word: the file the trace goes to.
import type { SyscallSpec } from '../../syscall-shim/trace-spec.js';

const classes: Record<string, (s: SyscallSpec) => boolean> = {
  // strace: "system calls which take a file name as an argument"
  file: (s) => (s.kinds ?? []).includes('path'),
  // strace: "process lifecycle (creation, exec, termination)"
  process: (s) => ['clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid', 'kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_send_signal', 'unshare'].includes(s.name),
  net: (s) => ['socket', 'socketpair', 'bind', 'listen', 'accept', 'accept4', 'connect', 'getsockname', 'getpeername', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'shutdown', 'setsockopt', 'getsockopt'].includes(s.name),
  signal: (s) => ['rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigtimedwait', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'rt_sigsuspend', 'sigaltstack', 'kill', 'tkill', 'tgkill', 'pause', 'signalfd', 'signalfd4', 'pidfd_send_signal'].includes(s.name),
  memory: (s) => ['mmap', 'munmap', 'mprotect', 'mremap', 'brk', 'madvise', 'msync', 'mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall', 'mincore', 'remap_file_pages', 'mbind', 'set_mempolicy', 'get_mempolicy', 'migrate_pages', 'move_pages', 'shmat', 'shmdt', 'pkey_mprotect', 'process_madvise'].includes(s.name),
};
classes.network = classes.net as (s: SyscallSpec) => boolean;

export class StraceError extends Error {
  readonly userFacing = true;
}

export interface StraceSelection {
  /** The syscalls to show; undefined: all. */
  only?: ReadonlySet<string>;
  /** The file the lines go to; undefined: stderr. */
  file?: string;
}

/** `--strace` (true) or `--strace=LIST`. */
export function parseStraceSelection(value: true | string, specs: ReadonlyMap<number, SyscallSpec>): StraceSelection {
  if (value === true) return {};
  const names = new Set([...specs.values()].map((s) => s.name));
  const only = new Set<string>();
  let file: string | undefined;
  for (const word of value.split(',').filter((w) => w !== '')) {
    if (word.startsWith('%')) {
      const pick = classes[word.slice(1)];
      if (pick === undefined) throw new StraceError(`--strace: unknown class ${word} (classes: ${Object.keys(classes).map((c) => `%${c}`).join(', ')})`);
      for (const s of specs.values()) if (pick(s)) only.add(s.name);
    } else if (names.has(word)) only.add(word);
    else if (file === undefined) file = word;
    else throw new StraceError(`--strace: ${file} and ${word} are neither syscalls nor classes, and only one file may be given`);
  }
  return { ...(only.size > 0 ? { only } : {}), ...(file === undefined ? {} : { file }) };
}
