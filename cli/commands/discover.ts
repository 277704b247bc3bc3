// `ukify discover <elf> [build options] [-p H:G]... [--rounds N] [--probe URL]... [--time-limit S]
//  [-o IMAGE] [-m SIZE] [--accel A] [-- ARGS...]`: boot the program, add what it looked up and did not
// find (when the host has it), boot again, until nothing new turns up; then write the additions into
// ukify.json and build the image. Parse, call runner/discover/, print.
import { Option, type Command } from 'commander';
import { existsSync, realpathSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { CONFIG_NAME, readConfig, type ConfigLayer } from '../../packager/config.js';
import { hasElfMagic, inspectImage } from '../../packager/inspect.js';
import { flagLayer, mergeOptions } from '../../packager/options.js';
import { readInput } from '../../packager/read-input.js';
import { shebang } from '../../packager/shebang.js';
import { accelRequests, type AccelRequest } from '../../runner/accel.js';
import { DEFAULT_ROUNDS, parseRounds, parseTimeLimit } from '../../runner/discover/limits.js';
import { parseProbe } from '../../runner/discover/probe-url.js';
import { parseMemoryMiB } from '../../runner/memory.js';
import { mergePorts, parsePortFlags } from '../../runner/ports.js';
import { UserError } from '../user-error.js';
import { formatSize } from './build.js';
import { addNetworkFlags, addPackageFlags, allowlistFields, collect, networkWords, printWarnings, type NetworkFlags, type PackageFlags } from './package-flags.js';

interface DiscoverOptions extends PackageFlags, NetworkFlags {
  output?: string;
  memory?: string;
  accel: AccelRequest;
  rounds?: string;
  probe?: string[];
  timeLimit?: string;
}

/** A word as a POSIX shell needs it, for a command the user can paste. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** The program, checked before anything boots: a readable ELF program or #! script, not an image. */
function checkProgram(path: string): void {
  const bytes = readInput(path, 'program');
  if (inspectImage(bytes) !== undefined) throw new UserError(`${path} is an ukify image; discover takes the program itself (ukify discover PROGRAM)`);
  if (!hasElfMagic(bytes) && shebang(bytes) === undefined) throw new UserError(`${path} is neither an ELF program nor a #! script`);
}

/** The image to write, checked as `ukify build` does, before the rounds rather than after. */
function checkOutput(program: string, output: string | undefined): void {
  const path = resolve(output ?? `${basename(program)}.img`);
  if (sameFile(path, program)) throw new UserError(`refusing to write the image over the program itself (${path}); choose another name with -o`);
  if (output === undefined && existsSync(path) && inspectImage(readInput(path, 'file')) === undefined) {
    throw new UserError(`${path} exists and is not an ukify image; remove it or name the output with -o`);
  }
}

/** The config layer: -c FILE (created at the end when it does not exist yet), else ./ukify.json when present. */
function configLayer(explicit: string | undefined, cwd: string): ConfigLayer {
  const path = resolve(cwd, explicit ?? CONFIG_NAME);
  return existsSync(path) ? readConfig(explicit, cwd) : {};
}

/** `ukify build ...` with the flags given here (ukify.json is read by build itself). */
function rebuildCommand(program: string, flags: DiscoverOptions, args: readonly string[], output: string | undefined): string {
  const words = [
    'ukify', 'build', program,
    ...(flags.config === undefined ? [] : ['-c', flags.config]),
    ...(flags.env ?? []).flatMap((e) => ['-e', e]),
    ...(flags.file ?? []).flatMap((f) => ['--file', f]),
    ...(flags.dir ?? []).flatMap((d) => ['--dir', d]),
    ...(flags.workdir === undefined ? [] : ['-w', flags.workdir]),
    ...(flags.discover === false ? ['--no-discover'] : []),
    ...(output === undefined ? [] : ['-o', output]),
    ...(args.length > 0 ? ['--', ...args] : []),
  ];
  return words.map(shellWord).join(' ');
}

async function runDiscover(program: string, args: string[], flags: DiscoverOptions): Promise<void> {
  const cwd = process.cwd();
  // Every flag is checked before anything boots.
  const rounds = flags.rounds === undefined ? DEFAULT_ROUNDS : parseRounds(flags.rounds);
  const timeLimitMs = flags.timeLimit === undefined ? undefined : parseTimeLimit(flags.timeLimit);
  if (flags.memory !== undefined) parseMemoryMiB(flags.memory);
  const flagPorts = parsePortFlags(flags.publish ?? []);
  checkProgram(program);
  const config = configLayer(flags.config, cwd);
  const options = mergeOptions(config, flagLayer({ ...flags, args }, cwd));
  const ports = mergePorts(config.ports ?? [], flagPorts);
  const probes = (flags.probe ?? []).map((p) => parseProbe(p, ports));
  checkOutput(program, flags.output);

  // Loaded here, not at start-up: the other commands need none of this.
  const [{ discover }, { configSummary, discoveryReport, endLine }, { saveConfigAdditions }, { buildImageFile }] = await Promise.all([
    import('../../runner/discover/session.js'),
    import('../../runner/discover/report.js'),
    import('../../packager/config-write.js'),
    import('../../packager/build.js'),
  ]);
  const result = await discover({
    program, options, ports, net: flags.net === true, accel: flags.accel, rounds, probes, staticDiscovery: flags.discover !== false,
    ...(flags.memory === undefined ? {} : { memory: flags.memory }),
    ...(timeLimitMs === undefined ? {} : { timeLimitMs }),
    progress: (line) => process.stderr.write(`ukify: ${line}\n`),
    programOutput: process.stderr,
  });

  process.stdout.write(`${endLine(result.rounds.length, result.end)}\n`);
  process.stdout.write(discoveryReport(result.decisions, result.libraries));
  // The image first: an addition that cannot be built is never written into ukify.json.
  const built = await buildImageFile({
    program, env: options.env, args: options.args,
    ...(flags.output === undefined ? {} : { output: flags.output }),
    files: [...options.files, ...result.files], dirs: [...options.dirs, ...result.dirs],
    ...(options.workdir === undefined ? {} : { workdir: options.workdir }),
    discover: flags.discover !== false,
    ...allowlistFields(flags),
    rewrite: flags.rewrite !== false,
  });
  printWarnings([...new Set([...result.warnings, ...built.warnings])]);
  const additions = [
    ...result.files.map((p) => ({ field: 'files' as const, guest: p.guest, host: p.host })),
    ...result.dirs.map((p) => ({ field: 'dirs' as const, guest: p.guest, host: p.host })),
  ].sort((a, b) => (a.guest < b.guest ? -1 : a.guest > b.guest ? 1 : 0));
  if (additions.length > 0) {
    const configShown = flags.config ?? CONFIG_NAME;
    process.stdout.write(configSummary(configShown, saveConfigAdditions(resolve(cwd, configShown), configShown, additions)));
  }
  const before = result.rounds[0]?.imageBytes;
  const shown = relative(cwd, built.output) || built.output;
  process.stdout.write(`wrote ${shown} (${formatSize(built.size)}${before === undefined ? '' : `; ${formatSize(before)} before discovery`})\n`);
  process.stdout.write(`run it: ${['ukify', 'run', shown, ...networkWords(ports, flags.net === true)].map(shellWord).join(' ')}\n`);
  process.stdout.write(`the same image again: ${rebuildCommand(program, flags, args, flags.output)}\n`);
}

export function registerDiscover(program: Command): void {
  const command = program
    .command('discover')
    .description('boot the program, add the files it looked up and did not find (when the host has them), repeat; write them into ukify.json and build the image')
    .argument('<elf>', 'program to discover the files of')
    .argument('[args...]', 'arguments the program gets in the guest (put them after --)')
    .option('-o, --output <image>', 'image to write at the end (default: <program name>.img here; an existing non-image file is only replaced when named here)')
    .option('-m, --memory <size>', 'guest memory for each boot (default: what ukify run gives the image)')
    .addOption(new Option('--accel <accel>', 'accelerator: auto (KVM only with VT-x/AMD-V), kvm or tcg').choices(accelRequests).default('auto'))
    .option('--rounds <n>', `at most this many boots (default ${DEFAULT_ROUNDS})`)
    .option('--probe <url>', 'with -p: fetch this URL (GET) in each boot once the server answers (repeatable)', collect)
    .option('--time-limit <seconds>', 'stop each boot after this long (SIGTERM to the program, as Ctrl-C does); without it a server runs until Ctrl-C');
  addNetworkFlags(command);
  addPackageFlags(command).action(async (elf: string, args: string[], flags: DiscoverOptions) => {
    await runDiscover(elf, args, flags);
  });
}
