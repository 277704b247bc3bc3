// The one error the ELF module throws on bad input. The CLI prints its message as a single line.
export class ElfError extends Error {
  readonly userFacing = true;
  override readonly name = 'ElfError';

  constructor(
    message: string,
    readonly fileName?: string,
  ) {
    super(fileName === undefined ? message : `${fileName}: ${message}`);
  }
}
