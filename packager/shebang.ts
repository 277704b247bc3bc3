// The "#!" line of a script, as the kernel reads it (kernel/exec.c: the first 256 bytes).

const MAX_LINE = 256; // Linux's BINPRM_BUF_SIZE

export interface Shebang {
  interpreter: string;
  arg?: string;
}

/** The "#!" line of a file's first bytes, or undefined when it has none. */
export function shebang(bytes: Uint8Array): Shebang | undefined {
  if (bytes[0] !== 0x23 || bytes[1] !== 0x21) return undefined;
  const text = Buffer.from(bytes.subarray(2, MAX_LINE)).toString('latin1');
  const line = text.split('\n')[0]?.trim() ?? '';
  const match = /^(\S+)(?:\s+(.*\S))?$/.exec(line);
  if (match === null) return undefined;
  return match[2] === undefined ? { interpreter: match[1] as string } : { interpreter: match[1] as string, arg: match[2] };
}
