// Command-line flags of the benchmarks: `--NAME N` pairs, N a positive whole number.
import { firstLine } from './lib-timing.js';

export class UsageError extends Error {}

export function positiveInt(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`${flag} wants a positive integer, got '${text ?? ''}'`);
  }
  return n;
}

/** `defaults` with the `--NAME N` pairs of `args` applied; its keys are the flags' names. */
export function numberFlags<T extends Record<string, number>>(args: readonly string[], defaults: T): T {
  const options: Record<string, number> = { ...defaults };
  const names = Object.keys(defaults);
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i] ?? '';
    const name = flag.slice(2);
    if (!flag.startsWith('--') || !names.includes(name)) {
      throw new UsageError(`unknown argument '${flag}' (have ${names.map((n) => `--${n} N`).join(', ')})`);
    }
    options[name] = positiveInt(flag, args[i + 1]);
  }
  return options as T;
}

/** numberFlags for `bench NAME`, or undefined once it has said why on stderr (exit status 2). */
export function benchFlags<T extends Record<string, number>>(name: string, args: readonly string[], defaults: T): T | undefined {
  try {
    return numberFlags(args, defaults);
  } catch (error) {
    process.stderr.write(`bench ${name}: ${firstLine(error)}\n`);
    process.exitCode = 2;
    return undefined;
  }
}
