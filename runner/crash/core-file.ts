// `ukify run --core FILE`: the crashed process as an ELF core file that `gdb PROGRAM FILE` opens,
// laid out as Linux's (a PT_NOTE with the thread's registers, the process's, its auxiliary vector
// and its mapped files, then a PT_LOAD per dumped run of memory). Read-only file mappings are not
// dumped: gdb reads them from the program and its libraries, as with Linux's cores.
import { PT_LOAD, PT_NOTE } from '../../analyzer/elf/constants.js';
import type { Crash } from './record.js';

const NT_PRSTATUS = 1;
const NT_PRPSINFO = 3;
const NT_AUXV = 6;
const NT_FILE = 0x46494c45;
const PAGE = 4096n;

/** user_regs_struct's order (<sys/user.h>), what NT_PRSTATUS's pr_reg holds. */
const userRegs = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'rflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs'];

function note(type: number, desc: Buffer): Buffer {
  const name = Buffer.from('CORE\0\0\0\0');
  const head = Buffer.alloc(12);
  head.writeUInt32LE(5, 0);
  head.writeUInt32LE(desc.length, 4);
  head.writeUInt32LE(type, 8);
  return Buffer.concat([head, name, desc, Buffer.alloc((4 - (desc.length % 4)) % 4)]);
}

function prstatus(crash: Crash): Buffer {
  const b = Buffer.alloc(336);
  b.writeInt32LE(crash.signal, 0); // si_signo
  b.writeUInt16LE(crash.signal, 12); // pr_cursig
  b.writeInt32LE(crash.tid, 32); // pr_pid: the thread
  b.writeInt32LE(crash.pid, 44); // pr_sid (pr_ppid and pr_pgrp unknown here)
  userRegs.forEach((name, i) => b.writeBigUInt64LE(crash.regs.get(name) ?? 0n, 112 + 8 * i));
  return b;
}

function prpsinfo(crash: Crash, program: string): Buffer {
  const b = Buffer.alloc(136);
  b.write('R', 1, 'latin1');
  b.writeInt32LE(crash.pid, 24);
  const name = program.slice(program.lastIndexOf('/') + 1);
  b.write(name.slice(0, 15), 40, 'latin1');
  b.write(program.slice(0, 79), 56, 'latin1');
  return b;
}

function files(crash: Crash): Buffer {
  const head = Buffer.alloc(16 + 24 * crash.maps.length);
  head.writeBigUInt64LE(BigInt(crash.maps.length), 0);
  head.writeBigUInt64LE(PAGE, 8);
  crash.maps.forEach((m, i) => {
    head.writeBigUInt64LE(m.start, 16 + 24 * i);
    head.writeBigUInt64LE(m.end, 24 + 24 * i);
    head.writeBigUInt64LE(m.offset / PAGE, 32 + 24 * i);
  });
  return Buffer.concat([head, ...crash.maps.map((m) => Buffer.from(`${m.path}\0`))]);
}

/** The core file's bytes; program is the guest path of the program (the first mapping's). */
export function coreFile(crash: Crash): Buffer {
  const program = crash.maps[0]?.path ?? '';
  const notes = Buffer.concat([
    note(NT_PRSTATUS, prstatus(crash)),
    note(NT_PRPSINFO, prpsinfo(crash, program)),
    ...(crash.auxv === undefined ? [] : [note(NT_AUXV, crash.auxv)]),
    note(NT_FILE, files(crash)),
  ]);
  const loads = crash.memory;
  const phnum = 1 + loads.length;
  const headers = 64 + 56 * phnum;
  const elf = Buffer.alloc(headers);
  elf.write('\x7fELF', 0, 'latin1');
  elf.writeUInt8(2, 4); // 64-bit
  elf.writeUInt8(1, 5); // little-endian
  elf.writeUInt8(1, 6); // version
  elf.writeUInt16LE(4, 16); // ET_CORE
  elf.writeUInt16LE(62, 18); // EM_X86_64
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(64n, 32); // e_phoff
  elf.writeUInt16LE(64, 52); // e_ehsize
  elf.writeUInt16LE(56, 54); // e_phentsize
  elf.writeUInt16LE(phnum, 56);
  const ph = (i: number, type: number, flags: number, offset: number, vaddr: bigint, size: number): void => {
    const at = 64 + 56 * i;
    elf.writeUInt32LE(type, at);
    elf.writeUInt32LE(flags, at + 4);
    elf.writeBigUInt64LE(BigInt(offset), at + 8);
    elf.writeBigUInt64LE(vaddr, at + 16);
    elf.writeBigUInt64LE(BigInt(size), at + 32); // p_filesz
    elf.writeBigUInt64LE(BigInt(size), at + 40); // p_memsz
    elf.writeBigUInt64LE(1n, at + 48); // p_align
  };
  let offset = headers;
  ph(0, PT_NOTE, 4, offset, 0n, notes.length);
  offset += notes.length;
  loads.forEach((m, i) => {
    ph(1 + i, PT_LOAD, 6, offset, m.start, m.bytes.length);
    offset += m.bytes.length;
  });
  return Buffer.concat([elf, notes, ...loads.map((m) => m.bytes)]);
}
