// The one error the Linux-guest baseline throws: a single line saying what failed and what to do.
export class LinuxGuestError extends Error {
  readonly userFacing = true;
  override readonly name = 'LinuxGuestError';

  /** `unavailable`: the Debian kernel package could not be obtained (no apt lists, no network). */
  constructor(
    message: string,
    readonly unavailable = false,
  ) {
    super(message);
  }
}
