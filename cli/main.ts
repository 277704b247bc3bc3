#!/usr/bin/env node
// The ukify command line: parse, call, print. Each command lives in its own file.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { registerBuild } from './commands/build.js';
import { registerDefault } from './commands/default.js';
import { registerDiscover } from './commands/discover.js';
import { registerRun } from './commands/run.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerSyscalls } from './commands/syscalls.js';
import { reportError } from './user-error.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('ukify')
    .description('Turn an unmodified Linux x86-64 ELF program into a bootable unikernel image')
    .version(version, '-V, --version')
    // Usage mistakes are one line (`ukify: unknown option '--x'`) and exit status 2, like every bad input.
    // Set before the commands are registered: subcommands copy these settings when created.
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(`ukify: ${message.replace(/^error: /, '')}`) })
    // The default command's build options must not swallow a subcommand's options of the same name.
    .enablePositionalOptions();
  registerDefault(program);

  registerAnalyze(program);

  registerBuild(program);
  registerRun(program);
  registerDiscover(program);

  registerSyscalls(program);

  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with status 0; everything else commander reports is a usage error.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportError(error);
  }
}

await main();
