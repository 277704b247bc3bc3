// The argument kinds of syscall-shim/trace.json: how `ukify run --strace` shows each argument. A kind
// that shows user memory says what of it the kernel copies into its trace record, and when (at the
// syscall's entry, or at its return when it succeeded): kernel/include/trace.h's capture rules.
// A kind is a name, with `:K` (an argument index) for those whose length another argument gives.
// Shared by the generator (syscall-shim/gen-trace.mjs) and the runner's decoder (runner/strace/).

/** Kinds shown from the register alone. */
export const plainKinds = [
  'd', 'u', 'x', 'ptr', 'fd', 'dirfd', 'oflags', 'mode', 'prot', 'mmapflags', 'atflags', 'signal', 'sighow',
  'whence', 'amode', 'sockdomain', 'socktype', 'socklevel', 'msgflags', 'shuthow', 'cloneflags', 'waitoptions',
  'fcntlcmd', 'ioctl', 'rlimitres', 'archprctl', 'futexop', 'clockid', 'epollop', 'envp', 'grndflags', 'prctlop',
];

/** Kinds that carry user memory: [when, how, size] (size: the most bytes kept, or an element's size). */
export const memoryKinds = {
  path: ['entry', 'cstr', 1024], // a file name: the kind %file selects by
  str: ['entry', 'cstr', 1024],
  argv: ['entry', 'argv', 2048],
  'inbuf:K': ['entry', 'arg', 64],
  outbuf: ['exit', 'ret', 64],
  hexbuf: ['exit', 'ret', 64], // strace shows getrandom's bytes in hex
  outstr: ['exit', 'cstr', 1024],
  stat: ['exit', 'fixed', 144],
  utsname: ['exit', 'fixed', 390],
  timespec: ['entry', 'fixed', 16],
  timespec_out: ['exit', 'fixed', 16],
  sigset: ['entry', 'fixed', 8],
  sigset_out: ['exit', 'fixed', 8],
  sigaction: ['entry', 'fixed', 32],
  sigaction_out: ['exit', 'fixed', 32],
  rlimit: ['entry', 'fixed', 16],
  rlimit_out: ['exit', 'fixed', 16],
  int_in: ['entry', 'fixed', 4],
  int_out: ['exit', 'fixed', 4],
  wstatus: ['exit', 'fixed', 4],
  fdpair: ['exit', 'fixed', 8],
  epoll_event: ['entry', 'fixed', 12],
  epoll_events: ['exit', 'ret_times', 12],
  'pollfds:K': ['exit', 'arg_times', 8],
  'iovec:K': ['entry', 'arg_times', 16],
  'sockaddr:K': ['entry', 'arg', 128],
  'sockaddr_out:K': ['exit', 'deref', 128],
};

/** A kind's name and its argument index (undefined without one). */
export function splitKind(kind) {
  const m = /^([a-z_0-9]+)(?::(\d))?$/.exec(kind);
  return m === null ? undefined : { name: m[1], k: m[2] === undefined ? undefined : Number(m[2]) };
}

/** The memory rule of a kind (undefined: plain, or unknown). */
export function memoryRule(kind) {
  const s = splitKind(kind);
  if (s === undefined) return undefined;
  const rule = memoryKinds[s.k === undefined ? s.name : `${s.name}:K`];
  return rule === undefined ? undefined : { when: rule[0], how: rule[1], size: rule[2], k: s.k ?? 0 };
}

export function isKnownKind(kind) {
  const s = splitKind(kind);
  if (s === undefined) return false;
  return s.k === undefined ? plainKinds.includes(kind) || kind in memoryKinds : `${s.name}:K` in memoryKinds;
}
