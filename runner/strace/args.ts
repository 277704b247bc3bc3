// One syscall argument as strace shows it, from its register, its kind (syscall-shim/trace.json)
// and the user memory the kernel copied for it (when the kind has some).
import type { ArgType } from '../../syscall-shim/trace-spec.js';
import * as c from './constants.js';
import type { Capture } from './records.js';
import { cString, quote } from './strings.js';


export interface Arg {
  kind: string;
  /** The kind's memory is copied by the kernel (trace-kinds.json's "memory"). */
  copied: boolean;
  type: ArgType;
  value: bigint;
  /** The copied memory, if the kernel copied some (not for a NULL pointer or a failed call's outputs). */
  capture?: Capture;
  /** All six registers (a length another argument gives) and the result, when known. */
  args: readonly bigint[];
  ret?: bigint;
}

export function narrow(type: ArgType, v: bigint): bigint {
  switch (type) {
    case 'int': return BigInt.asIntN(32, v);
    case 'unsigned': return BigInt.asUintN(32, v);
    case 'long': case 'i64': return BigInt.asIntN(64, v);
    case 'u64': return BigInt.asUintN(64, v);
  }
}

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;
const pointer = (v: bigint): string => (v === 0n ? 'NULL' : hex(v));

export function formatArg(a: Arg): string {
  const v = narrow(a.type, a.value);
  const name = a.kind.split(':')[0] as string;
  const mem = a.capture;
  if (mem === undefined && a.copied) return pointer(a.value); // NULL, or a failed call's output
  switch (name) {
    case 'd': return BigInt.asIntN(a.type === 'int' ? 32 : 64, a.value).toString();
    case 'u': return v.toString();
    case 'x': return hex(v);
    case 'ptr': case 'envp': return pointer(a.value);
    case 'fd': return BigInt.asIntN(32, a.value).toString();
    case 'dirfd': return BigInt.asIntN(32, a.value) === -100n ? 'AT_FDCWD' : BigInt.asIntN(32, a.value).toString();
    case 'oflags': return c.openFlags(BigInt.asUintN(32, a.value));
    case 'mode': return `0${BigInt.asUintN(32, a.value).toString(8)}`;
    case 'prot': return c.flagNames(v, c.prot, 'PROT_NONE');
    case 'mmapflags': return c.mmapFlagNames(v);
    case 'atflags': return c.flagNames(BigInt.asUintN(32, a.value), c.atFlags);
    case 'amode': return c.flagNames(v, c.accessMode, 'F_OK');
    case 'signal': return c.signalName(Number(BigInt.asIntN(32, a.value)));
    case 'sighow': return c.enumName(v, c.sigprocmaskHow);
    case 'whence': return c.enumName(v, c.whence);
    case 'sockdomain': return c.enumName(v, c.sockDomain);
    case 'socktype': return c.sockType(BigInt.asUintN(32, a.value));
    case 'socklevel': return c.enumName(v, c.sockLevel);
    case 'msgflags': return c.flagNames(BigInt.asUintN(32, a.value), c.msgFlags);
    case 'shuthow': return c.enumName(v, c.shutdownHow);
    case 'cloneflags': return cloneFlags(v);
    case 'waitoptions': return c.flagNames(BigInt.asUintN(32, a.value), c.waitOptions);
    case 'fcntlcmd': return c.enumName(v, c.fcntlCmd);
    case 'ioctl': return ioctlName(BigInt.asUintN(32, a.value));
    case 'rlimitres': return c.enumName(v, c.rlimitResource);
    case 'archprctl': return c.enumName(v, c.archPrctl);
    case 'futexop': return c.futexOp(BigInt.asUintN(32, a.value));
    case 'clockid': return c.enumName(v, c.clockId);
    case 'epollop': return c.enumName(v, c.epollOp);
    case 'grndflags': return c.flagNames(v, c.grndFlags);
    case 'prctlop': return c.enumName(v, c.prctlOption);
  }
  const bytes = (mem as Capture).bytes;
  const more = (mem as Capture).truncated;
  switch (name) {
    case 'path': case 'str': case 'outstr': return quote(cString(bytes).text, Infinity, !cString(bytes).complete);
    case 'argv': return argv(bytes, more);
    case 'inbuf': case 'outbuf': return quote(bytes, undefined, more);
    case 'hexbuf': return quote(bytes, undefined, more, true);
    case 'stat': return stat(bytes);
    case 'utsname': return utsname(bytes);
    case 'timespec': case 'timespec_out': return timespec(bytes, 0);
    case 'sigset': case 'sigset_out': return sigset(bytes.length >= 8 ? bytes.readBigUInt64LE(0) : 0n);
    case 'sigaction': case 'sigaction_out': return sigaction(bytes);
    case 'rlimit': case 'rlimit_out': return `{rlim_cur=${rlim(bytes, 0)}, rlim_max=${rlim(bytes, 8)}}`;
    case 'int_in': case 'int_out': return bytes.length >= 4 ? `[${bytes.readInt32LE(0)}]` : pointer(a.value);
    case 'wstatus': return bytes.length >= 4 ? `[${waitStatus(bytes.readInt32LE(0))}]` : pointer(a.value);
    case 'fdpair': return bytes.length >= 8 ? `[${bytes.readInt32LE(0)}, ${bytes.readInt32LE(4)}]` : pointer(a.value);
    case 'epoll_event': return bytes.length >= 12 ? epollEvent(bytes, 0) : pointer(a.value);
    case 'epoll_events': return list(bytes, 12, epollEvent, more);
    case 'pollfds': return list(bytes, 8, pollfd, more);
    case 'iovec': return list(bytes, 16, (b, at) => `{iov_base=${pointer(b.readBigUInt64LE(at))}, iov_len=${b.readBigUInt64LE(at + 8)}}`, more);
    case 'sockaddr': case 'sockaddr_out': return sockaddr(bytes);
  }
  return hex(a.value);
}

function list(b: Buffer, size: number, one: (b: Buffer, at: number) => string, more: boolean): string {
  const items: string[] = [];
  for (let at = 0; at + size <= b.length; at += size) items.push(one(b, at));
  return `[${items.join(', ')}${more ? ', ...' : ''}]`;
}

function argv(b: Buffer, more: boolean): string {
  const items: string[] = [];
  let at = 0;
  while (at < b.length) {
    const end = b.indexOf(0, at);
    items.push(quote(b.subarray(at, end < 0 ? b.length : end), undefined, end < 0));
    at = end < 0 ? b.length : end + 1;
  }
  return `[${items.join(', ')}${more ? ', ...' : ''}]`;
}

function cloneFlags(v: bigint): string {
  const sig = Number(v & 0xffn);
  const flags = c.flagNames(v & ~0xffn, c.cloneFlags, '');
  return [flags, sig !== 0 ? c.signalName(sig) : ''].filter((s) => s !== '').join('|') || '0';
}

function ioctlName(req: bigint): string {
  const known = c.ioctlRequest.find(([v]) => v === req);
  return known !== undefined ? known[1] : `0x${req.toString(16)}`;
}

const fileTypes: Array<[number, string]> = [[0o140000, 'S_IFSOCK'], [0o120000, 'S_IFLNK'], [0o100000, 'S_IFREG'], [0o60000, 'S_IFBLK'], [0o40000, 'S_IFDIR'], [0o20000, 'S_IFCHR'], [0o10000, 'S_IFIFO']];
function fileMode(mode: number): string {
  const type = fileTypes.find(([t]) => (mode & 0o170000) === t)?.[1];
  const perm = `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
  return type === undefined ? perm : `${type}|${perm}`;
}

// struct stat (x86-64): st_mode at 24, st_rdev 40, st_size 48; strace's short form
function stat(b: Buffer): string {
  if (b.length < 144) return '{...}';
  const mode = b.readUInt32LE(24);
  const type = mode & 0o170000;
  if (type === 0o20000 || type === 0o60000) {
    const rdev = b.readBigUInt64LE(40);
    const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
    return `{st_mode=${fileMode(mode)}, st_rdev=makedev(0x${major.toString(16)}, 0x${minor.toString(16)}), ...}`;
  }
  return `{st_mode=${fileMode(mode)}, st_size=${b.readBigInt64LE(48)}, ...}`;
}

function utsname(b: Buffer): string {
  const field = (i: number): string => quote(cString(b.subarray(i * 65, i * 65 + 65)).text, Infinity);
  return `{sysname=${field(0)}, nodename=${field(1)}, ...}`;
}

function timespec(b: Buffer, at: number): string {
  return b.length >= at + 16 ? `{tv_sec=${b.readBigInt64LE(at)}, tv_nsec=${b.readBigInt64LE(at + 8)}}` : '{...}';
}

function sigset(mask: bigint): string {
  const names: string[] = [];
  for (let s = 1; s <= 64; s++) if ((mask >> BigInt(s - 1)) & 1n) names.push(c.signalName(s).replace(/^SIG/, ''));
  return names.length > 32 ? `~[${invertedNames(mask).join(' ')}]` : `[${names.join(' ')}]`;
}
function invertedNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let s = 1; s <= 64; s++) if (!((mask >> BigInt(s - 1)) & 1n)) names.push(c.signalName(s).replace(/^SIG/, ''));
  return names;
}

// struct kernel_sigaction: handler, flags, restorer, mask
function sigaction(b: Buffer): string {
  if (b.length < 32) return '{...}';
  const handler = b.readBigUInt64LE(0);
  const h = handler === 0n ? 'SIG_DFL' : handler === 1n ? 'SIG_IGN' : `0x${handler.toString(16)}`;
  const flags = b.readBigUInt64LE(8);
  const restorer = flags & 0x04000000n ? `, sa_restorer=0x${b.readBigUInt64LE(16).toString(16)}` : '';
  return `{sa_handler=${h}, sa_mask=${sigset(b.readBigUInt64LE(24))}, sa_flags=${c.flagNames(flags, c.saFlags)}${restorer}}`;
}

function rlim(b: Buffer, at: number): string {
  if (b.length < at + 8) return '?';
  const v = b.readBigUInt64LE(at);
  if (v === 0xffffffffffffffffn) return 'RLIM64_INFINITY';
  return v >= 1024n && v % 1024n === 0n ? `${v / 1024n}*1024` : v.toString();
}

function waitStatus(s: number): string {
  if ((s & 0x7f) === 0) return `{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}`;
  if ((s & 0xff) === 0x7f) return `{WIFSTOPPED(s) && WSTOPSIG(s) == ${c.signalName((s >> 8) & 0xff)}}`;
  return `{WIFSIGNALED(s) && WTERMSIG(s) == ${c.signalName(s & 0x7f)}${s & 0x80 ? ' && WCOREDUMP(s)' : ''}}`;
}

function epollEvent(b: Buffer, at: number): string {
  const data = b.readBigUInt64LE(at + 4);
  return `{events=${c.flagNames(BigInt(b.readUInt32LE(at)), c.epollEvents)}, data={u32=${data & 0xffffffffn}, u64=${data}}}`;
}

function pollfd(b: Buffer, at: number): string {
  const events = c.flagNames(BigInt(b.readUInt16LE(at + 4)), c.pollEvents);
  const revents = b.readUInt16LE(at + 6);
  return `{fd=${b.readInt32LE(at)}, events=${events}${revents ? `, revents=${c.flagNames(BigInt(revents), c.pollEvents)}` : ''}}`;
}

function sockaddr(b: Buffer): string {
  if (b.length < 2) return '{...}';
  const family = b.readUInt16LE(0);
  const fam = c.enumName(BigInt(family), c.sockDomain);
  if (family === 2 && b.length >= 8) return `{sa_family=AF_INET, sin_port=htons(${b.readUInt16BE(2)}), sin_addr=inet_addr("${[...b.subarray(4, 8)].join('.')}")}`;
  if (family === 10 && b.length >= 24) {
    const words = [];
    for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(8 + 2 * i).toString(16));
    const addr = words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
    return `{sa_family=AF_INET6, sin6_port=htons(${b.readUInt16BE(2)}), sin6_flowinfo=htonl(${b.readUInt32BE(4)}), inet_pton(AF_INET6, "${addr}", &sin6_addr), sin6_scope_id=${b.length >= 28 ? b.readUInt32LE(24) : 0}}`;
  }
  if (family === 1) {
    const path = b.subarray(2);
    return path.length > 0 && path[0] === 0 ? `{sa_family=AF_UNIX, sun_path=@${quote(cString(path.subarray(1)).text, Infinity)}}` : `{sa_family=AF_UNIX, sun_path=${quote(cString(path).text, Infinity)}}`;
  }
  return `{sa_family=${fam}, ...}`;
}
