// -e KEY=VALUE: the environment variables a user adds to the image or to one run.

export class EnvError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

/** Checks each pair is KEY=VALUE with a non-empty KEY free of '=' and NUL; returns them unchanged. */
export function checkEnvPairs(pairs: readonly string[]): string[] {
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || pair.includes('\0')) throw new EnvError(`bad environment variable '${pair}': write -e KEY=VALUE`);
  }
  return [...pairs];
}
