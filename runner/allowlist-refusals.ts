// The syscalls the kernel's allowlist refused during a run (kernel/allowlist.c logs each once:
// `ukify: allowlist: refused NAME (NR) from WHERE`, after a `pid N (comm): ` label for processes
// other than the first). The line goes to the terminal as it comes; after the run, `ukify run`
// says how to allow them.
const REFUSED = /allowlist: refused (\S+) \((\d+)\) from (.*)$/;

export interface Refusal {
  name: string;
  nr: number;
  where: string;
}

/** The refusal a kernel log line reports, or undefined. */
export function refusalOf(line: string): Refusal | undefined {
  const m = REFUSED.exec(line.replace(/\r$/, ''));
  return m === null ? undefined : { name: m[1] as string, nr: Number(m[2]), where: m[3] as string };
}

export class RefusedSyscalls {
  private readonly byName = new Map<string, Refusal>();

  /** Notes the line when it reports a refusal; the caller still shows it. */
  see(line: string): void {
    const r = refusalOf(line);
    if (r !== undefined && !this.byName.has(r.name)) this.byName.set(r.name, r);
  }

  /** What `ukify run` prints on stderr when the VM has stopped; empty when nothing was refused. */
  report(): string {
    const names = [...this.byName.keys()].sort();
    if (names.length === 0) return '';
    const allow = names.map((n) => `--allow ${n}`).join(' ');
    return (
      `ukify: the allowlist refused ${names.length} syscall${names.length === 1 ? '' : 's'} the analysis did not find: ${names.join(', ')}\n` +
      `ukify: if the program needs ${names.length === 1 ? 'it' : 'them'}, run it again with ${allow} (ukify build takes the same flags; --no-allowlist allows every syscall)\n`
    );
  }
}
