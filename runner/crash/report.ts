// The backtrace `ukify run` prints when a program dies of a signal: the kernel's crash record
// (record.ts) unwound (backtrace.ts) with the image's own files and their symbols, and file:line
// where the object has DWARF line information (source-lines.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { imageFile, imageFiles } from '../../packager/image-files.js';
import { signalName } from '../strace/constants.js';
import { loadObjects, unwind, type Frame } from './backtrace.js';
import { coreFile } from './core-file.js';
import { type Crash, CrashCollector } from './record.js';
import { sourceLines } from './source-lines.js';

export class CrashReporter {
  private readonly collector = new CrashCollector();

  /** core: where `--core` writes the core file, if it was given. */
  constructor(
    private readonly image: string,
    private readonly core?: string,
  ) {}

  /** A debugcon line: undefined when it is not a crash record's; else the lines to print (none until the record ends). */
  take(line: string): string[] | undefined {
    const crash = this.collector.take(line);
    if (crash === undefined) return undefined;
    if (crash === null) return [];
    let lines: string[];
    try {
      lines = this.report(crash);
    } catch (error) {
      lines = [`ukify: no backtrace: ${(error as Error).message}`];
    }
    return this.core === undefined ? lines : [...lines, this.writeCore(crash, this.core)];
  }

  private writeCore(crash: Crash, path: string): string {
    try {
      writeFileSync(path, coreFile(crash));
      return `ukify: core file written to ${path} (open it with: gdb PROGRAM ${path})`;
    } catch (error) {
      return `ukify: --core: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
  }

  private report(crash: Crash): string[] {
    const files = imageFiles(readFileSync(this.image));
    const objects = loadObjects(crash, (path) => imageFile(files, path)?.data);
    const frames = unwind(crash, objects);
    const lines = new Map<Frame, string>();
    for (const o of objects) {
      const mine = frames.filter((f) => f.object === o && f.address !== undefined);
      // a caller's line is its call's: the instruction before the return address
      const lookups = mine.map((f) => (f === frames[0] ? (f.address as bigint) : (f.address as bigint) - 1n));
      const found = sourceLines(o.elf.bytes, lookups);
      mine.forEach((f, i) => {
        const where = found.get(lookups[i] as bigint);
        if (where !== undefined) lines.set(f, where);
      });
    }
    const who = crash.pid === crash.tid ? `pid ${crash.pid}` : `pid ${crash.pid}, thread ${crash.tid}`;
    return [
      `ukify: backtrace (${who}, ${signalName(crash.signal)}):`,
      ...frames.map((f, i) => {
        const what = f.symbol ?? '??';
        const object = f.object === undefined ? '' : ` (${basename(f.object.path)})`;
        const at = lines.get(f);
        return `ukify:   #${i} 0x${f.pc.toString(16)} ${what}${object}${at === undefined ? '' : ` at ${at}`}`;
      }),
    ];
  }
}
