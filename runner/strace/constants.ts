// Linux x86-64 constants by name, as strace prints them: flag sets joined with `|` (what no name
// covers, in hex), enumerations by name (unknown values as numbers).
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

export type Names = ReadonlyArray<readonly [bigint, string]>;

const n = (entries: Array<[number, string]>): Names => entries.map(([v, s]) => [BigInt(v), s] as const);

/** Names of the set bits (entries may cover several bits, and come first when they do). */
export function flagNames(value: bigint, table: Names, zero = '0'): string {
  const parts: string[] = [];
  let rest = value;
  for (const [bits, name] of table) {
    if (bits !== 0n && (rest & bits) === bits) {
      parts.push(name);
      rest &= ~bits;
    }
  }
  if (rest !== 0n) parts.push(`0x${rest.toString(16)}`);
  return parts.length === 0 ? zero : parts.join('|');
}

export function enumName(value: bigint, table: Names): string {
  return table.find(([v]) => v === value)?.[1] ?? value.toString();
}

/** open's flags: the access mode first, then the rest. */
export function openFlags(value: bigint): string {
  const access = enumName(value & 3n, n([[0, 'O_RDONLY'], [1, 'O_WRONLY'], [2, 'O_RDWR']]));
  const rest = flagNames(value & ~3n, openBits, '');
  return rest === '' ? access : `${access}|${rest}`;
}
const openBits = n([
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'], [0o4010000, 'O_SYNC'], [0o10000, 'O_DSYNC'], [0o20000, 'O_ASYNC'], [0o40000, 'O_DIRECT'],
  [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'], [0o2000000, 'O_CLOEXEC'],
  [0o20200000, 'O_TMPFILE'], [0o10000000, 'O_PATH'], [0o100000, 'O_LARGEFILE'],
]);

export const prot = n([[1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC']]);
export const mmapFlags = n([
  [0x01, 'MAP_SHARED'], [0x02, 'MAP_PRIVATE'], [0x03, 'MAP_SHARED_VALIDATE'], [0x10, 'MAP_FIXED'], [0x20, 'MAP_ANONYMOUS'],
  [0x100, 'MAP_GROWSDOWN'], [0x800, 'MAP_DENYWRITE'], [0x1000, 'MAP_EXECUTABLE'], [0x2000, 'MAP_LOCKED'],
  [0x4000, 'MAP_NORESERVE'], [0x8000, 'MAP_POPULATE'], [0x10000, 'MAP_NONBLOCK'], [0x20000, 'MAP_STACK'],
  [0x40000, 'MAP_HUGETLB'], [0x100000, 'MAP_FIXED_NOREPLACE'],
]);
// MAP_SHARED_VALIDATE covers both low bits: strace shows MAP_SHARED or MAP_PRIVATE by the type alone
export function mmapFlagNames(value: bigint): string {
  const type = value & 3n;
  const first = type === 1n ? 'MAP_SHARED' : type === 2n ? 'MAP_PRIVATE' : type === 3n ? 'MAP_SHARED_VALIDATE' : '';
  const rest = flagNames(value & ~3n, mmapFlags.filter(([v]) => v > 3n), '');
  return [first, rest].filter((s) => s !== '').join('|') || '0';
}
export const atFlags = n([[0x100, 'AT_SYMLINK_NOFOLLOW'], [0x200, 'AT_REMOVEDIR'], [0x400, 'AT_SYMLINK_FOLLOW'], [0x800, 'AT_NO_AUTOMOUNT'], [0x1000, 'AT_EMPTY_PATH'], [0x6000, 'AT_STATX_SYNC_TYPE']]);
export const accessMode = n([[1, 'X_OK'], [2, 'W_OK'], [4, 'R_OK']]);
export const whence = n([[0, 'SEEK_SET'], [1, 'SEEK_CUR'], [2, 'SEEK_END'], [3, 'SEEK_DATA'], [4, 'SEEK_HOLE']]);
export const sigprocmaskHow = n([[0, 'SIG_BLOCK'], [1, 'SIG_UNBLOCK'], [2, 'SIG_SETMASK']]);
export const sockDomain = n([[1, 'AF_UNIX'], [2, 'AF_INET'], [10, 'AF_INET6'], [16, 'AF_NETLINK'], [17, 'AF_PACKET']]);
export const sockTypeBase = n([[1, 'SOCK_STREAM'], [2, 'SOCK_DGRAM'], [3, 'SOCK_RAW'], [5, 'SOCK_SEQPACKET']]);
export function sockType(value: bigint): string {
  const base = value & 0xfn;
  const rest = flagNames(value & ~0xfn, n([[0o4000, 'SOCK_NONBLOCK'], [0o2000000, 'SOCK_CLOEXEC']]), '');
  return base === 0n ? rest || '0' : [enumName(base, sockTypeBase), rest].filter((s) => s !== '').join('|');
}
export const sockLevel = n([[1, 'SOL_SOCKET'], [6, 'SOL_TCP'], [17, 'SOL_UDP'], [0, 'SOL_IP'], [41, 'SOL_IPV6']]);
export const msgFlags = n([[1, 'MSG_OOB'], [2, 'MSG_PEEK'], [4, 'MSG_DONTROUTE'], [0x20, 'MSG_TRUNC'], [0x40, 'MSG_DONTWAIT'], [0x100, 'MSG_WAITALL'], [0x4000, 'MSG_NOSIGNAL'], [0x8000, 'MSG_MORE'], [0x40000000, 'MSG_CMSG_CLOEXEC']]);
export const shutdownHow = n([[0, 'SHUT_RD'], [1, 'SHUT_WR'], [2, 'SHUT_RDWR']]);
export const cloneFlags = n([
  [0x100, 'CLONE_VM'], [0x200, 'CLONE_FS'], [0x400, 'CLONE_FILES'], [0x800, 'CLONE_SIGHAND'], [0x1000, 'CLONE_PIDFD'],
  [0x2000, 'CLONE_PTRACE'], [0x4000, 'CLONE_VFORK'], [0x8000, 'CLONE_PARENT'], [0x10000, 'CLONE_THREAD'],
  [0x20000, 'CLONE_NEWNS'], [0x40000, 'CLONE_SYSVSEM'], [0x80000, 'CLONE_SETTLS'], [0x100000, 'CLONE_PARENT_SETTID'],
  [0x200000, 'CLONE_CHILD_CLEARTID'], [0x400000, 'CLONE_DETACHED'], [0x800000, 'CLONE_UNTRACED'], [0x1000000, 'CLONE_CHILD_SETTID'],
]);
export const waitOptions = n([[1, 'WNOHANG'], [2, 'WUNTRACED'], [4, 'WEXITED'], [8, 'WCONTINUED'], [0x1000000, 'WNOWAIT'], [0x40000000, '__WALL'], [0x80000000, '__WCLONE']]);
export const fcntlCmd = n([
  [0, 'F_DUPFD'], [1, 'F_GETFD'], [2, 'F_SETFD'], [3, 'F_GETFL'], [4, 'F_SETFL'], [5, 'F_GETLK'], [6, 'F_SETLK'], [7, 'F_SETLKW'],
  [8, 'F_SETOWN'], [9, 'F_GETOWN'], [1024, 'F_SETLEASE'], [1025, 'F_GETLEASE'], [1030, 'F_DUPFD_CLOEXEC'], [1031, 'F_SETPIPE_SZ'],
  [1032, 'F_GETPIPE_SZ'], [1033, 'F_ADD_SEALS'], [1034, 'F_GET_SEALS'], [36, 'F_OFD_GETLK'], [37, 'F_OFD_SETLK'], [38, 'F_OFD_SETLKW'],
]);
export const ioctlRequest = n([
  [0x5401, 'TCGETS'], [0x5402, 'TCSETS'], [0x5403, 'TCSETSW'], [0x5404, 'TCSETSF'], [0x540f, 'TIOCGPGRP'], [0x5410, 'TIOCSPGRP'],
  [0x5413, 'TIOCGWINSZ'], [0x5414, 'TIOCSWINSZ'], [0x541b, 'FIONREAD'], [0x5421, 'FIONBIO'], [0x5451, 'FIOCLEX'], [0x5450, 'FIONCLEX'],
  [0x5429, 'TIOCGSID'], [0x540e, 'TIOCSCTTY'],
]);
export const rlimitResource = n([
  [0, 'RLIMIT_CPU'], [1, 'RLIMIT_FSIZE'], [2, 'RLIMIT_DATA'], [3, 'RLIMIT_STACK'], [4, 'RLIMIT_CORE'], [5, 'RLIMIT_RSS'],
  [6, 'RLIMIT_NPROC'], [7, 'RLIMIT_NOFILE'], [8, 'RLIMIT_MEMLOCK'], [9, 'RLIMIT_AS'], [10, 'RLIMIT_LOCKS'], [11, 'RLIMIT_SIGPENDING'],
  [12, 'RLIMIT_MSGQUEUE'], [13, 'RLIMIT_NICE'], [14, 'RLIMIT_RTPRIO'], [15, 'RLIMIT_RTTIME'],
]);
export const archPrctl = n([[0x1001, 'ARCH_SET_GS'], [0x1002, 'ARCH_SET_FS'], [0x1003, 'ARCH_GET_FS'], [0x1004, 'ARCH_GET_GS'], [0x3001, 'ARCH_CET_STATUS']]);
export const clockId = n([[0, 'CLOCK_REALTIME'], [1, 'CLOCK_MONOTONIC'], [2, 'CLOCK_PROCESS_CPUTIME_ID'], [3, 'CLOCK_THREAD_CPUTIME_ID'], [4, 'CLOCK_MONOTONIC_RAW'], [5, 'CLOCK_REALTIME_COARSE'], [6, 'CLOCK_MONOTONIC_COARSE'], [7, 'CLOCK_BOOTTIME']]);
export const epollOp = n([[1, 'EPOLL_CTL_ADD'], [2, 'EPOLL_CTL_DEL'], [3, 'EPOLL_CTL_MOD']]);
export const epollEvents = n([[0x1, 'EPOLLIN'], [0x2, 'EPOLLPRI'], [0x4, 'EPOLLOUT'], [0x8, 'EPOLLERR'], [0x10, 'EPOLLHUP'], [0x40, 'EPOLLRDNORM'], [0x80, 'EPOLLRDBAND'], [0x100, 'EPOLLWRNORM'], [0x200, 'EPOLLWRBAND'], [0x2000, 'EPOLLRDHUP'], [0x10000000, 'EPOLLEXCLUSIVE'], [0x20000000, 'EPOLLWAKEUP'], [0x40000000, 'EPOLLONESHOT'], [0x80000000, 'EPOLLET']]);
export const pollEvents = n([[0x1, 'POLLIN'], [0x2, 'POLLPRI'], [0x4, 'POLLOUT'], [0x8, 'POLLERR'], [0x10, 'POLLHUP'], [0x20, 'POLLNVAL'], [0x40, 'POLLRDNORM'], [0x80, 'POLLRDBAND'], [0x100, 'POLLWRNORM'], [0x200, 'POLLWRBAND'], [0x2000, 'POLLRDHUP']]);
const futexCmds = n([[0, 'FUTEX_WAIT'], [1, 'FUTEX_WAKE'], [2, 'FUTEX_FD'], [3, 'FUTEX_REQUEUE'], [4, 'FUTEX_CMP_REQUEUE'], [5, 'FUTEX_WAKE_OP'], [6, 'FUTEX_LOCK_PI'], [7, 'FUTEX_UNLOCK_PI'], [8, 'FUTEX_TRYLOCK_PI'], [9, 'FUTEX_WAIT_BITSET'], [10, 'FUTEX_WAKE_BITSET'], [11, 'FUTEX_WAIT_REQUEUE_PI'], [12, 'FUTEX_CMP_REQUEUE_PI'], [13, 'FUTEX_LOCK_PI2']]);
export function futexOp(value: bigint): string {
  const cmd = enumName(value & 0x7fn, futexCmds);
  return `${cmd}${value & 0x80n ? '_PRIVATE' : ''}${value & 0x100n ? '|FUTEX_CLOCK_REALTIME' : ''}`;
}
export const grndFlags = n([[1, 'GRND_NONBLOCK'], [2, 'GRND_RANDOM'], [4, 'GRND_INSECURE']]);
export const prctlOption = n([[1, 'PR_SET_PDEATHSIG'], [2, 'PR_GET_PDEATHSIG'], [3, 'PR_GET_DUMPABLE'], [4, 'PR_SET_DUMPABLE'], [15, 'PR_SET_NAME'], [16, 'PR_GET_NAME'], [22, 'PR_SET_SECCOMP'], [36, 'PR_SET_CHILD_SUBREAPER'], [38, 'PR_SET_NO_NEW_PRIVS'], [0x59616d61, 'PR_SET_PTRACER']]);
export const saFlags = n([[0x1, 'SA_NOCLDSTOP'], [0x2, 'SA_NOCLDWAIT'], [0x4, 'SA_SIGINFO'], [0x04000000, 'SA_RESTORER'], [0x08000000, 'SA_ONSTACK'], [0x10000000, 'SA_RESTART'], [0x40000000, 'SA_NODEFER'], [0x80000000, 'SA_RESETHAND']]);

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, v]) => [v, name]));
/** SIGINT; a real-time signal as strace names it (32: SIGRTMIN, 33: SIGRT_1...); else the number. */
export function signalName(sig: number): string {
  if (sig >= 32 && sig <= 64) return sig === 32 ? 'SIGRTMIN' : `SIGRT_${sig - 32}`;
  return signalNames.get(sig) ?? String(sig);
}

const preferred = new Map<number, string>([[11, 'EAGAIN'], [35, 'EDEADLK'], [95, 'EOPNOTSUPP']]);
const errnoNames = new Map<number, string>(preferred);
for (const [name, v] of Object.entries(constants.errno)) if (!errnoNames.has(v)) errnoNames.set(v, name);
const kernelOnly = new Map<number, [string, string]>([
  [512, ['ERESTARTSYS', 'To be restarted if SA_RESTART is set']], [513, ['ERESTARTNOINTR', 'To be restarted']],
  [514, ['ERESTARTNOHAND', 'To be restarted if no handler']], [516, ['ERESTART_RESTARTBLOCK', 'Interrupted by signal']],
]);
// glibc's strerror text (what strace prints) where libuv's, which Node has, words it otherwise
const glibcMessages = new Map<number, string>([
  [1, 'Operation not permitted'], [4, 'Interrupted system call'], [7, 'Argument list too long'], [10, 'No child processes'],
  [12, 'Cannot allocate memory'], [14, 'Bad address'], [17, 'File exists'], [20, 'Not a directory'], [21, 'Is a directory'],
  [29, 'Illegal seek'], [34, 'Numerical result out of range'], [39, 'Directory not empty'], [61, 'No data available'],
  [88, 'Socket operation on non-socket'], [95, 'Operation not supported'], [97, 'Address family not supported by protocol'],
  [98, 'Address already in use'], [104, 'Connection reset by peer'], [107, 'Transport endpoint is not connected'],
  [110, 'Connection timed out'], [111, 'Connection refused'], [115, 'Operation now in progress'],
]);
const libuvMessages = getSystemErrorMap();

/** ENOENT and its message, as strace shows them after `= -1`. */
export function errnoText(errno: number): string {
  const special = kernelOnly.get(errno);
  if (special !== undefined) return `${special[0]} (${special[1]})`;
  const name = errnoNames.get(errno);
  if (name === undefined) return `${errno}`;
  const libuv = libuvMessages.get(-errno)?.[1];
  const message = glibcMessages.get(errno) ?? (libuv === undefined ? undefined : libuv.charAt(0).toUpperCase() + libuv.slice(1));
  return message === undefined ? name : `${name} (${message})`;
}
