// The kernel command line (QEMU -append), as kernel/IMAGE.md defines it: space-separated options,
// then optionally `--` and the words that replace argv[1..]. Words that need it are double-quoted,
// with `"` and `\` escaped by a backslash.
import type { ConsoleMode } from './console-mode.js';

export interface KernelCommandLine {
  tscKhz?: number;
  /** KEY=VALUE strings, each passed as env=KEY=VALUE. */
  env: string[];
  /** Asks the kernel for its whole log; by default it logs warnings and errors only. */
  verbose: boolean;
  /** Asks the kernel to log every path a lookup did not find (`ukify: missing-file PATH`). */
  traceMissing?: boolean;
  /** Asks the kernel for a record of every syscall on port 0xea (`ukify run --strace`). */
  strace?: boolean;
  /** Asks the kernel for its `ukify-stats:` record at power-off (`ukify run --stats`). */
  stats?: boolean;
  /** Asks the kernel for a crash record with the memory a core file needs (`ukify run --core`). */
  core?: boolean;
  /** Asks the kernel to report each ELF file it maps to gdb (`ukify run --gdb`: kernel/gdb.c). */
  gdb?: boolean;
  /** How COM1 input comes (console=tty or console=framed); without it the console is raw. */
  console?: ConsoleMode;
  /** Which of fds 0, 1, 2 are terminals (terminals=0,1,2 or terminals=none); the others are pipes in the guest. */
  terminals?: readonly number[];
  /** Changes the image's syscall allowlist: off, strict (SIGSYS), and syscall numbers allowed besides. */
  allowlist?: { off: boolean; strict: boolean; allow: readonly number[] };
  /** Replaces argv[1..] of the bundle when given (even when empty). */
  args?: string[];
}

/** Quotes a word for the kernel's command-line splitter when it is empty or holds a blank, `"` or `\`. */
export function quoteWord(word: string): string {
  if (word !== '' && !/[\s"\\]/.test(word)) return word;
  return `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function kernelCommandLine(options: KernelCommandLine): string {
  const words: string[] = [];
  if (options.tscKhz !== undefined) words.push(`tsc_khz=${options.tscKhz}`);
  if (options.verbose) words.push('verbose');
  if (options.traceMissing === true) words.push('trace_missing');
  if (options.strace === true) words.push('strace');
  if (options.stats === true) words.push('stats');
  if (options.core === true) words.push('core');
  if (options.gdb === true) words.push('gdb');
  if (options.console !== undefined) words.push(`console=${options.console}`);
  if (options.terminals !== undefined) words.push(`terminals=${options.terminals.length === 0 ? 'none' : options.terminals.join(',')}`);
  if (options.allowlist?.off === true) words.push('allowlist=off');
  if (options.allowlist?.strict === true) words.push('allowlist=strict');
  for (const nr of options.allowlist?.allow ?? []) words.push(`allow=${nr}`);
  for (const pair of options.env) words.push(quoteWord(`env=${pair}`));
  if (options.args !== undefined) words.push('--', ...options.args.map(quoteWord));
  return words.join(' ');
}
