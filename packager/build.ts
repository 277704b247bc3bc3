// `ukify build`, the I/O edge of the packager: read the program and the kernel, assemble, write.
import { existsSync, realpathSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Analysis, ProgramFiles } from '../analyzer/analysis.js';
import { analyzeFiles, analyzeProgram } from '../analyzer/analyze.js';
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
import { type AllowlistRequest, type ImageElf, imageAllowlist, isLoadableElf } from './image-allowlist.js';
import type { AllowlistSummary } from './allowlist.js';
import { initrdArchive, initrdContents, type InitrdContents } from './initrd.js';
import { inspectImage } from './inspect.js';
import type { Placement } from './options.js';
import { kernelPath } from './paths.js';
import { BuildError, readInput } from './read-input.js';
import { rewriteEntries } from './rewritten.js';
import { type RewriteSummary, summarizeRewrite } from '../rewriter/rewrite-program.js';

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
  /** What the program is made of, when the caller has analyzed it already (else it is done here):
   * a whole Analysis for an image with an allowlist. */
  analysis?: ProgramFiles | Analysis;
  /** Static discovery of the files the program needs (default on). */
  discover?: boolean;
  /** The syscall allowlist (on by default). */
  allowlist?: AllowlistRequest;
  /** Patched copies of the program and its libraries (rewriter/; on by default). */
  rewrite?: boolean;
  /** Long steps (analyzing the image's other programs) say what they do here. */
  onProgress?: (message: string) => void;
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
  /** How many syscalls the image allows; absent when its allowlist is off. */
  allowlist?: AllowlistSummary;
  /** What the rewriter did to the syscall sites; absent with rewriting off. */
  rewrite?: RewriteSummary;
}

export function defaultOutput(program: string): string {
  return resolve(`${basename(program)}.img`);
}

export type Image = Omit<BuildResult, 'output' | 'size'> & { image: Uint8Array };

function isAnalysis(files: ProgramFiles | Analysis | undefined): files is Analysis {
  return files !== undefined && 'syscalls' in files;
}

/** The ELF files of the initrd other than the program, with the host files they came from. */
function otherElfs(contents: InitrdContents, programName: string): ImageElf[] {
  return contents.tree
    .entries()
    .filter((e) => e.name !== programName && (e.mode & 0o170000) === 0o100000 && e.data !== undefined && isLoadableElf(e.data))
    .map((e) => ({ guest: `/${e.name}`, host: contents.hostOf.get(e.name) ?? `/${e.name}` }));
}

/** The image bytes for a program (no file written). */
export async function imageFor(request: BuildRequest): Promise<Image> {
  const bytes = readInput(request.program, 'program');
  const line = shebang(bytes);
  const script = line === undefined ? undefined : scriptInterpreter(request.program, line);
  const elfPath = script?.elf ?? request.program;
  const elf = readElf(script === undefined ? bytes : readInput(elfPath, 'interpreter'), elfPath);
  checkBootable(elf, elfPath);
  const withAllowlist = request.allowlist?.off !== true;
  const withRewrite = request.rewrite !== false;
  const progress = request.onProgress === undefined ? {} : { onProgress: request.onProgress };
  const files = (withAllowlist || withRewrite) && !isAnalysis(request.analysis) ? await analyzeProgram(elfPath, progress) : request.analysis ?? analyzeFiles(elfPath);
  const app = script === undefined ? appEntries(elf, request.program, hostMtime(request.program)) : scriptEntries(request.program, bytes, script, elf);
  const argv0 = guestPath(request.program);
  const original = [...app, ...libraryEntries(files.interpreter, files.libraries)];
  const rewritten = withRewrite && isAnalysis(files)
    ? rewriteEntries(original, files, script === undefined ? { host: files.binary, name: argv0.slice(1) } : undefined, (path) => readInput(path, 'library'))
    : undefined;
  const entries = rewritten?.entries ?? original;
  const discovery = request.discover === false ? undefined : discover(files, hostFs);
  const contents = initrdContents(entries, elf.interpreter, { ...request, ...(discovery === undefined ? {} : { discovery }) });
  const allowlist = isAnalysis(files)
    ? await imageAllowlist(files, script === undefined ? argv0 : files.binary, otherElfs(contents, argv0.slice(1)), request.allowlist ?? {}, request.onProgress)
    : { warnings: [] };
  if (allowlist.entry !== undefined) contents.tree.add(allowlist.entry, 'the allowlist');
  const initrd = initrdArchive(contents, buildTimeNow());
  const bundle = buildBundle({ initrd: initrd.archive, args: [argv0, ...request.args], env: request.env });

  const kernelFile = request.kernel ?? kernelPath();
  if (!existsSync(kernelFile)) throw new KernelError(`the kernel ${kernelFile} is not built (run: make -C kernel)`);
  const kernel = readElf(readInput(kernelFile, 'kernel'), kernelFile);
  return {
    image: assembleImage(kernel, bundle), argv0, warnings: [...initrd.warnings, ...allowlist.warnings], added: initrd.added, skipped: initrd.skipped,
    ...(allowlist.summary === undefined ? {} : { allowlist: allowlist.summary }),
    ...(rewritten === undefined ? {} : { rewrite: summarizeRewrite(rewritten.outcomes) }),
  };
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

export async function buildImageFile(request: BuildRequest): Promise<BuildResult> {
  const output = request.output ?? defaultOutput(request.program);
  if (sameFile(output, request.program)) throw new BuildError(`refusing to write the image over the program itself (${output}); choose another name with -o`);
  // Never replace a file we did not make, unless the user named it.
  if (request.output === undefined && existsSync(output) && inspectImage(readInput(output, 'file')) === undefined) {
    throw new BuildError(`${output} exists and is not an ukify image; remove it or name the output with -o`);
  }
  const { image, ...rest } = await imageFor(request);
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
