// `ukify build`, the I/O edge of the packager: read the program and the kernel, assemble, write.
import { existsSync, realpathSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ProgramFiles } from '../analyzer/analysis.js';
import { analyzeFiles } from '../analyzer/analyze.js';
import { readElf } from '../analyzer/elf/index.js';
import { appEntries, checkBootable, guestPath } from './app.js';
import { buildBundle } from './bundle.js';
import { discover } from './discover/discover.js';
import type { Addition, Skipped } from './discover/found.js';
import { hostFs } from './discover/host.js';
import { buildTimeNow, hostMtime } from './host-mtime.js';
import { assembleImage, KernelError } from './image.js';
import { scriptEntries } from './script-app.js';
import { scriptInterpreter } from './script.js';
import { shebang } from './shebang.js';
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
  /** What the program is made of, when the caller has analyzed it already (else it is done here). */
  analysis?: ProgramFiles;
  /** Static discovery of the files the program needs (default on). */
  discover?: boolean;
}

export interface BuildResult {
  output: string;
  size: number;
  argv0: string;
  /** Things the user may want to know (skipped special files, modules whose libraries are missing). */
  warnings: string[];
  /** What discovery put into the image, and what it left out, each with why. */
  added: Addition[];
  skipped: Skipped[];
}

export function defaultOutput(program: string): string {
  return resolve(`${basename(program)}.img`);
}

export type Image = Omit<BuildResult, 'output' | 'size'> & { image: Uint8Array };

/** The image bytes for a program (no file written). */
export function imageFor(request: BuildRequest): Image {
  const bytes = readInput(request.program, 'program');
  const line = shebang(bytes);
  const script = line === undefined ? undefined : scriptInterpreter(request.program, line);
  const elfPath = script?.elf ?? request.program;
  const elf = readElf(script === undefined ? bytes : readInput(elfPath, 'interpreter'), elfPath);
  checkBootable(elf, elfPath);
  const files = request.analysis ?? analyzeFiles(elfPath);
  const app = script === undefined ? appEntries(elf, request.program, hostMtime(request.program)) : scriptEntries(request.program, bytes, script, elf);
  const entries = [...app, ...libraryEntries(files.interpreter, files.libraries)];
  const discovery = request.discover === false ? undefined : discover(files, hostFs);
  const initrd = initrdFor(entries, elf.interpreter, { ...request, buildTime: buildTimeNow(), ...(discovery === undefined ? {} : { discovery }) });
  const argv0 = guestPath(request.program);
  const bundle = buildBundle({ initrd: initrd.archive, args: [argv0, ...request.args], env: request.env });

  const kernelFile = request.kernel ?? kernelPath();
  if (!existsSync(kernelFile)) throw new KernelError(`the kernel ${kernelFile} is not built (run: make -C kernel)`);
  const kernel = readElf(readInput(kernelFile, 'kernel'), kernelFile);
  return { image: assembleImage(kernel, bundle), argv0, warnings: initrd.warnings, added: initrd.added, skipped: initrd.skipped };
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
  const { image, ...rest } = imageFor(request);
  // Write beside the target, then rename: a failed build never leaves half an image.
  const temporary = `${output}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, image, { mode: 0o644 });
    renameSync(temporary, output);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new BuildError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return { output, size: image.length, ...rest };
}
