// `ukify discover --rounds N` and `--time-limit SECONDS`: pure parsing.

export class LimitError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

export const DEFAULT_ROUNDS = 8;
export const MAX_ROUNDS = 100;

/** A whole number of rounds, 1 to MAX_ROUNDS. */
export function parseRounds(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= MAX_ROUNDS)) throw new LimitError(`--rounds wants a whole number from 1 to ${MAX_ROUNDS}, got '${text}'`);
  return value;
}

/** Seconds (more than zero, fractions allowed) as milliseconds. */
export function parseTimeLimit(text: string): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(value > 0)) throw new LimitError(`--time-limit wants a number of seconds above zero, got '${text}'`);
  return Math.round(value * 1000);
}
