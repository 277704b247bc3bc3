// A signal's siginfo as strace prints it in `--- SIGNAL {...} ---` lines: si_signo and si_code by
// name, then the fields that code carries (the sender for kill and tgkill, the child for SIGCHLD,
// the address for a fault).
import { signalName } from './constants.js';

const generic = new Map<number, string>([
  [0, 'SI_USER'], [0x80, 'SI_KERNEL'], [-1, 'SI_QUEUE'], [-2, 'SI_TIMER'], [-3, 'SI_MESGQ'], [-4, 'SI_ASYNCIO'], [-5, 'SI_SIGIO'], [-6, 'SI_TKILL'],
]);
const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11, SIGCHLD = 17;
const bySignal = new Map<number, string[]>([
  [SIGILL, ['ILL_ILLOPC', 'ILL_ILLOPN', 'ILL_ILLADR', 'ILL_ILLTRP', 'ILL_PRVOPC', 'ILL_PRVREG', 'ILL_COPROC', 'ILL_BADSTK']],
  [SIGTRAP, ['TRAP_BRKPT', 'TRAP_TRACE', 'TRAP_BRANCH', 'TRAP_HWBKPT']],
  [SIGBUS, ['BUS_ADRALN', 'BUS_ADRERR', 'BUS_OBJERR', 'BUS_MCEERR_AR', 'BUS_MCEERR_AO']],
  [SIGFPE, ['FPE_INTDIV', 'FPE_INTOVF', 'FPE_FLTDIV', 'FPE_FLTOVF', 'FPE_FLTUND', 'FPE_FLTRES', 'FPE_FLTINV', 'FPE_FLTSUB']],
  [SIGSEGV, ['SEGV_MAPERR', 'SEGV_ACCERR', 'SEGV_BNDERR', 'SEGV_PKUERR']],
  [SIGCHLD, ['CLD_EXITED', 'CLD_KILLED', 'CLD_DUMPED', 'CLD_TRAPPED', 'CLD_STOPPED', 'CLD_CONTINUED']],
]);
const FAULTS = new Set([SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV]);

function codeName(signo: number, code: number): string {
  if (code > 0 && code < 0x80) {
    const name = bySignal.get(signo)?.[code - 1];
    if (name !== undefined) return name;
  }
  return generic.get(code) ?? String(code);
}

function pointer(value: bigint): string {
  return value === 0n ? 'NULL' : `0x${value.toString(16)}`;
}

/** `{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=43, ...}` from the kernel's siginfo bytes. */
export function formatSiginfo(info: Buffer): string {
  const signo = info.readInt32LE(0);
  const code = info.readInt32LE(8);
  const fields = [`si_signo=${signalName(signo)}`, `si_code=${codeName(signo, code)}`];
  const at = 16; // the union
  if (code === 0 || code === -6 || code === -1) {
    fields.push(`si_pid=${info.readInt32LE(at)}`, `si_uid=${info.readUInt32LE(at + 4)}`);
    if (code === -1) fields.push(`si_int=${info.readInt32LE(at + 8)}`, `si_ptr=${pointer(info.readBigUInt64LE(at + 8))}`);
  } else if (signo === SIGCHLD && code > 0 && code < 0x80) {
    const status = info.readInt32LE(at + 8);
    const shown = code === 1 ? String(status) : signalName(status);
    fields.push(`si_pid=${info.readInt32LE(at)}`, `si_uid=${info.readUInt32LE(at + 4)}`, `si_status=${shown}`);
    fields.push(`si_utime=${info.readBigInt64LE(at + 16)}`, `si_stime=${info.readBigInt64LE(at + 24)}`);
  } else if (FAULTS.has(signo) && code > 0 && code < 0x80) {
    fields.push(`si_addr=${pointer(info.readBigUInt64LE(at))}`);
  }
  return `{${fields.join(', ')}}`;
}
