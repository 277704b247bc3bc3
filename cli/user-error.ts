// A failure the user can act on is printed as one line, never as a stack trace.
// Modules outside cli/ mark their bad-input errors with `userFacing = true` (ElfError does),
// so they need not depend on this file.
export class UserError extends Error {
  readonly userFacing = true;
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UserError';
  }
}

/** Print an error as the one line a user sees and return the exit code to use. */
export function reportError(error: unknown): number {
  if (error instanceof Error && (error as { userFacing?: boolean }).userFacing === true) {
    process.stderr.write(`ukify: ${error.message}\n`);
    return (error as { exitCode?: number }).exitCode ?? 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`ukify: internal error: ${message} (please report it)\n`);
  return 70;
}
