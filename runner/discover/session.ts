// `ukify discover`: the rounds. Each round builds the program's image with everything found so far,
// boots it with the kernel logging every path looked up and not found (trace_missing), and decides
// which of the new ones to add (candidates.ts). It ends when a round adds nothing, after the last
// round allowed, or at Ctrl-C/SIGTERM (the running round is stopped gracefully and still counts).
// A server (forwarded ports) runs until its time limit or Ctrl-C, its probes fetched meanwhile.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ProgramFiles } from '../../analyzer/analysis.js';
import { analyzeFiles } from '../../analyzer/analyze.js';
import { imageFor } from '../../packager/build.js';
import type { PackageOptions, Placement } from '../../packager/options.js';
import { programElf } from '../../packager/script.js';
import type { AccelRequest } from '../accel.js';
import { MissingFiles } from '../missing-files.js';
import type { PortForward } from '../ports.js';
import { runImage } from '../run.js';
import { type Addition, type Decision, decideRound, isAddition, type PlacedDir, within, withoutTrailingSlash } from './candidates.js';
import { librariesOfAdditions } from './elf-libraries.js';
import { hostFileSystem, type HostView } from './host-view.js';
import { runProbes } from './probes.js';
import type { AddedLibrary } from './report.js';

export interface DiscoverRequest {
  program: string;
  /** The image's options: ukify.json and the flags, merged. */
  options: PackageOptions;
  ports: readonly PortForward[];
  net: boolean;
  /** Guest memory; default: the options', else what `ukify run` gives the image. */
  memory?: string;
  /** Static discovery in each build (the packager's; --no-discover turns it off). */
  staticDiscovery: boolean;
  accel: AccelRequest;
  rounds: number;
  probes: readonly URL[];
  /** How long each boot may run before it is stopped gracefully. */
  timeLimitMs?: number;
  /** Progress lines for stderr. */
  progress: (line: string) => void;
  /** Where the program's stdout goes (its stderr goes to ours). */
  programOutput: NodeJS.WritableStream;
  host?: HostView;
}

export interface RoundSummary {
  round: number;
  /** The status the boot ended with (as `ukify run` would exit). */
  status: number;
  imageBytes: number;
  /** Paths looked up and not found in this boot, and how many of them were new. */
  missing: number;
  fresh: number;
  added: number;
}

export type DiscoveryEnd = 'nothing new' | 'rounds' | 'interrupted';

export interface DiscoverResult {
  decisions: Decision[];
  libraries: AddedLibrary[];
  rounds: RoundSummary[];
  end: DiscoveryEnd;
  /** What discovery adds, as placements at the same path as on the host. */
  files: Placement[];
  dirs: Placement[];
  /** The builds' warnings, each once. */
  warnings: string[];
}

/** The placements of the additions: each at its host path, named by its round. */
export function placementsOf(additions: readonly Addition[]): { files: Placement[]; dirs: Placement[] } {
  const placement = (a: Addition): Placement => ({ host: a.host, guest: a.path, source: `ukify discover (round ${a.round}) ${a.path}` });
  return { files: additions.filter((a) => a.action === 'file').map(placement), dirs: additions.filter((a) => a.action === 'dir').map(placement) };
}

/** Whether Ctrl-C, SIGTERM or SIGHUP came; while watching, they do not end this process. */
function watchInterruptions(): { asked: () => boolean; dispose: () => void } {
  let asked = false;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const note = (): void => {
    asked = true;
  };
  signals.forEach((s) => process.on(s, note));
  return { asked: () => asked, dispose: () => signals.forEach((s) => process.off(s, note)) };
}

function emptyInput(): Readable {
  return new Readable({
    read() {
      this.push(null);
    },
  });
}

function serverHint(request: DiscoverRequest): string {
  const where = request.ports.map((f) => `${f.address}:${f.hostPort} -> guest :${f.guestPort}/${f.protocol}`).join(', ');
  const until = request.timeLimitMs === undefined ? 'until Ctrl-C' : `for ${request.timeLimitMs / 1000} s (or until Ctrl-C)`;
  const who = request.probes.length > 0 ? `${request.probes.length} ${request.probes.length === 1 ? 'probe' : 'probes'} and you can exercise it` : 'exercise it';
  return `forwarding ${where}: ${who}; it runs ${until}, then gets SIGTERM`;
}

/** One boot: runs until the program ends, the time limit, or Ctrl-C; fetches the probes meanwhile. */
async function boot(request: DiscoverRequest, image: string, missing: MissingFiles, round: number): Promise<number> {
  const memory = request.memory ?? request.options.memory;
  const stop = new AbortController();
  const roundOver = new AbortController();
  const limit = request.timeLimitMs;
  const timer = limit === undefined ? undefined : setTimeout(() => {
    request.progress(`round ${round}: time limit (${limit / 1000} s) reached: stopping the program`);
    roundOver.abort();
    stop.abort();
  }, limit);
  const running = runImage({
    image, ...(memory === undefined ? {} : { memory }), accel: request.accel, env: [], verbose: false, missingFiles: true, missingInto: missing,
    stdin: emptyInput(), stdout: request.programOutput, ports: request.ports, net: request.net, stop: stop.signal,
  });
  const probing = request.probes.length > 0 ? runProbes(request.probes, roundOver.signal, (line) => request.progress(`round ${round}: ${line}`)) : Promise.resolve([]);
  try {
    return await running;
  } finally {
    clearTimeout(timer);
    roundOver.abort();
    await probing;
  }
}

/**
 * The round's image: the options plus what discovery found so far. Also what static discovery put
 * in: the directories and symlinks that, like a --dir, are the source of what lies below them (a
 * lookup through one of its symlinks wants the target), and every path it added.
 */
async function roundImage(
  request: DiscoverRequest,
  analysis: ProgramFiles,
  found: { files: Placement[]; dirs: Placement[] },
): Promise<{ image: Uint8Array; warnings: string[]; staticPlaced: PlacedDir[]; staticAdded: string[] }> {
  // The rounds look for files: an allowlist would only cost them the analysis of what they add.
  const built = await imageFor({
    allowlist: { off: true },
    program: request.program,
    analysis,
    env: request.options.env,
    args: request.options.args,
    files: [...request.options.files, ...found.files],
    dirs: [...request.options.dirs, ...found.dirs],
    ...(request.options.workdir === undefined ? {} : { workdir: request.options.workdir }),
    discover: request.staticDiscovery,
  });
  const staticPlaced = built.added.flatMap((a): PlacedDir[] =>
    a.kind === 'dir' || a.kind === 'empty-dir' || a.kind === 'symlink' ? [{ guest: a.guest, host: a.guest, source: 'static discovery', discovered: false }] : [],
  );
  return { image: built.image, warnings: built.warnings, staticPlaced, staticAdded: built.added.filter((a) => a.kind !== 'empty-dir').map((a) => a.guest) };
}

/** Runs the rounds; the caller writes ukify.json and the final image from the result. */
export async function discover(request: DiscoverRequest): Promise<DiscoverResult> {
  const host = request.host ?? hostFileSystem;
  const name = basename(request.program);
  const seen = new Set<string>();
  const decisions: Decision[] = [];
  const libraries: AddedLibrary[] = [];
  const summaries: RoundSummary[] = [];
  const warnings = new Set<string>();
  const found: { files: Placement[]; dirs: Placement[] } = { files: [], dirs: [] };
  const userDirs: PlacedDir[] = request.options.dirs.map((d) => ({ guest: d.guest, host: d.host, source: d.source, discovered: false }));
  const foundDirs: PlacedDir[] = [];
  const heldLibraries = new Set<string>();
  let end: DiscoveryEnd = 'rounds';
  const interruptions = watchInterruptions();
  // analyzed once: every round's build takes it as it is
  const analysis = analyzeFiles(programElf(request.program, readFileSync(request.program)));
  const work = mkdtempSync(join(tmpdir(), 'ukify-discover-'));
  try {
    for (let round = 1; round <= request.rounds; round++) {
      if (interruptions.asked()) {
        end = 'interrupted';
        break;
      }
      const built = await roundImage(request, analysis, found);
      const image = built.image;
      built.warnings.forEach((w) => warnings.add(w));
      if (round === 1) for (const lib of analysis.libraries) heldLibraries.add(lib.path);
      const imagePath = join(work, `${name}.img`);
      writeFileSync(imagePath, image);
      const size = `${(image.length / 1024 / 1024).toFixed(1)} MiB`;
      request.progress(`round ${round}: booting ${name} (image ${size})${request.ports.length > 0 ? `; ${serverHint(request)}` : ''}`);

      const missing = new MissingFiles();
      const status = await boot(request, imagePath, missing, round);
      const all = missing.sorted().map(withoutTrailingSlash);
      const fresh = [...new Set(all)].filter((p) => !seen.has(p));
      fresh.forEach((p) => seen.add(p));
      const roundDecisions = decideRound(fresh, round, [...userDirs, ...built.staticPlaced, ...foundDirs], host);
      decisions.push(...roundDecisions);
      const additions = roundDecisions.filter(isAddition);
      const placements = placementsOf(additions);
      found.files.push(...placements.files);
      found.dirs.push(...placements.dirs);
      foundDirs.push(...placements.dirs.map((d) => ({ guest: d.guest, host: d.host, source: `round ${round}`, discovered: true })));
      const holders = [...request.options.files, ...request.options.dirs, ...found.files, ...found.dirs].filter((p) => p.host === p.guest).map((p) => p.guest);
      const held = (path: string): boolean => heldLibraries.has(path) || [...holders, ...built.staticAdded].some((top) => within(path, top));
      libraries.push(...librariesOfAdditions(additions, held, (path) => heldLibraries.add(path)));

      request.progress(`round ${round}: ${name} ended with status ${status}; ${all.length} paths looked up and not found, ${fresh.length} new; ${additions.length} added`);
      summaries.push({ round, status, imageBytes: image.length, missing: all.length, fresh: fresh.length, added: additions.length });
      if (interruptions.asked()) {
        end = 'interrupted';
        break;
      }
      if (additions.length === 0) {
        end = 'nothing new';
        break;
      }
    }
  } finally {
    interruptions.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  return { decisions, libraries, rounds: summaries, end, files: found.files, dirs: found.dirs, warnings: [...warnings] };
}
