// `ukify build`, the I/O edge of the packager: read the program and the kernel, assemble, write.
import { existsSync, realpathSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { readElf } from '../analyzer/elf/index.js';
import { appEntries, checkBootable, guestPath } from './app.js';
import { buildBundle } from './bundle.js';
import { assembleImage, KernelError } from './image.js';
import { libraryEntries } from './libraries.js';
import { initrdFor } from './initrd.js';
import { inspectImage } from './inspect.js';
import type { Placement } from './options.js';
import { kernelPath } from './paths.js';
import { BuildError, readInput } from './read-input.js';

export { BuildError, readInput };

export interface BuildRequest {
  program: string;
  /** Output path; when not given by the user, `<basename>.img` in the current directory. */
  output?: string;
  env: readonly string[];
  /** argv[1..] in the guest. */
  args: readonly string[];
  kernel?: string;
  /** --file and --dir placements (host paths absolute). */
  files?: readonly Placement[];
  dirs?: readonly Placement[];
  /** The program's working directory in the guest (absolute). */
  workdir?: string;
}

export interface BuildResult {
  output: string;
  size: number;
  argv0: string;
  /** Things the user may want to know (skipped special files, modules whose libraries are missing). */
  warnings: string[];
}

export function defaultOutput(program: string): string {
  return resolve(`${basename(program)}.img`);
}

/** The image bytes for a program (no file written). */
export function imageFor(request: BuildRequest): { image: Uint8Array; argv0: string; warnings: string[] } {
  const elf = readElf(readInput(request.program, 'program'), request.program);
  checkBootable(elf, request.program);
  const entries = [...appEntries(elf, request.program), ...libraryEntries(request.program, elf)];
  const initrd = initrdFor(entries, elf.interpreter, request);
  const argv0 = guestPath(request.program);
  const bundle = buildBundle({ initrd: initrd.archive, args: [argv0, ...request.args], env: request.env });

  const kernelFile = request.kernel ?? kernelPath();
  if (!existsSync(kernelFile)) throw new KernelError(`the kernel ${kernelFile} is not built (run: make -C kernel)`);
  const kernel = readElf(readInput(kernelFile, 'kernel'), kernelFile);
  return { image: assembleImage(kernel, bundle), argv0, warnings: initrd.warnings };
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

export function buildImageFile(request: BuildRequest): BuildResult {
  const output = request.output ?? defaultOutput(request.program);
  if (sameFile(output, request.program)) throw new BuildError(`refusing to write the image over the program itself (${output}); choose another name with -o`);
  // Never replace a file we did not make, unless the user named it.
  if (request.output === undefined && existsSync(output) && inspectImage(readInput(output, 'file')) === undefined) {
    throw new BuildError(`${output} exists and is not an ukify image; remove it or name the output with -o`);
  }
  const { image, argv0, warnings } = imageFor(request);
  // Write beside the target, then rename: a failed build never leaves half an image.
  const temporary = `${output}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, image, { mode: 0o644 });
    renameSync(temporary, output);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new BuildError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return { output, size: image.length, argv0, warnings };
}
