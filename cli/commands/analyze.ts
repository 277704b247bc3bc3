// `ukify analyze <elf> [--json | --markdown] [--html FILE] [--why SYSCALL] [--sites]`: the syscall
// coverage report of a program, why it can make one syscall, or what the rewriter does with each site.
import { Option, type Command } from 'commander';
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import type { Analysis } from '../../analyzer/analysis.js';
import { allowlistLine } from '../../packager/allowlist.js';
import { loadCatalog, syscallNamed } from '../../syscall-shim/catalog.js';
import { UserError } from '../user-error.js';

interface AnalyzeOptions {
  json?: boolean;
  markdown?: boolean;
  html?: string;
  why?: string;
  sites?: boolean;
}

/** The reason a file system call failed, in words, from its errno code. */
function why(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code ?? String(error);
  }
}

/** Refuse what cannot be a program before the analyzer opens it, with the reason in one line. */
export function checkProgramFile(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (error) {
    throw new UserError(`${path}: ${why(error)}`);
  }
  if (st.isDirectory()) throw new UserError(`${path}: is a directory, not a program`);
  if (!st.isFile()) throw new UserError(`${path}: not a regular file`);
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw new UserError(`${path}: cannot read it: ${why(error)}`);
  }
}

function writeHtml(file: string, html: string): void {
  try {
    writeFileSync(file, html);
  } catch (error) {
    throw new UserError(`${file}: cannot write the HTML report: ${why(error)}`);
  }
}

// The renderers are loaded by the command, not at start-up (ukify run IMAGE needs none of them).
async function render(analysis: Analysis, options: AnalyzeOptions): Promise<string> {
  if (options.json === true) return (await import('../../analyzer/report/json.js')).renderJson(analysis);
  if (options.markdown === true) return (await import('../../analyzer/report/markdown.js')).renderMarkdown(analysis);
  const [{ ansiPaint, noPaint, wantColor }, { renderTerminal }, { programAllowlist }] = await Promise.all([
    import('../../analyzer/report/color.js'),
    import('../../analyzer/report/terminal.js'),
    import('../../packager/image-allowlist.js'),
  ]);
  const paint = wantColor(process.stdout.isTTY === true, process.env) ? ansiPaint : noPaint;
  const table = `${renderTerminal(analysis, paint)}${allowlistLine(programAllowlist(analysis))}\n`;
  return options.html === undefined ? table : `${table}HTML report: ${options.html}\n`;
}

/** The catalog's number for a syscall given by name or number; a name it does not know is a usage error. */
function syscallNumber(nameOrNumber: string): number {
  const nr = syscallNamed(loadCatalog(), nameOrNumber);
  if (nr !== undefined) return nr;
  throw new UserError(`--why: '${nameOrNumber}' is not an x86-64 syscall name or number (see ukify syscalls)`);
}

/** --why: the paths to one syscall; exit status 1 when the program cannot make it, like grep finding nothing. */
async function explain(analysis: Analysis, nr: number, json: boolean): Promise<void> {
  const use = analysis.syscalls.find((s) => s.nr === nr);
  if (use === undefined) {
    const name = loadCatalog().get(nr)?.name ?? String(nr);
    process.stdout.write(json ? 'null\n' : `${name} (${nr}): not in the set; no reachable code of ${analysis.binary} can make it\n`);
    process.exitCode = 1;
    return;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(use, null, 2)}\n`);
    return;
  }
  const [{ ansiPaint, noPaint, wantColor }, { renderWhy }] = await Promise.all([import('../../analyzer/report/color.js'), import('../../analyzer/report/why.js')]);
  process.stdout.write(renderWhy(use, wantColor(process.stdout.isTTY === true, process.env) ? ansiPaint : noPaint));
}

/** --sites: what the rewriter does with each site (it reads the program and its libraries). */
async function listSites(analysis: Analysis, json: boolean): Promise<void> {
  const [{ readFileSync }, { rewriteProgram }, { siteLines, siteRecords }] = await Promise.all([
    import('node:fs'),
    import('../../rewriter/rewrite-program.js'),
    import('../../rewriter/report.js'),
  ]);
  const { outcomes } = rewriteProgram(analysis, (path) => new Uint8Array(readFileSync(path)));
  const catalog = loadCatalog();
  process.stdout.write(json ? `${JSON.stringify(siteRecords(outcomes), null, 2)}\n` : siteLines(outcomes, (nr) => catalog.get(nr)?.name ?? String(nr)));
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('list the system calls a program can make and how well ukify covers them')
    .argument('<elf>', 'program to analyze')
    .addOption(new Option('--json', 'print the report as JSON').conflicts('markdown'))
    .addOption(new Option('--markdown', 'print the report as a GitHub-flavoured Markdown table'))
    .option('--html <file>', 'also write the report as a self-contained HTML page to <file>')
    .addOption(new Option('--why <syscall>', 'show how the program reaches each function that can make <syscall> (name or number)').conflicts(['markdown', 'html']))
    .addOption(new Option('--sites', 'list every reachable syscall instruction and what the rewriter does with it (patched, or kept as a trap and why)').conflicts(['markdown', 'html', 'why']))
    .action(async (elf: string, options: AnalyzeOptions) => {
      const why = options.why === undefined ? undefined : syscallNumber(options.why);
      checkProgramFile(elf);
      // Loaded here, not at start-up: the disassembler is only needed by this command.
      const [{ analyzeProgram }, { progressLine }] = await Promise.all([
        import('../../analyzer/analyze.js'),
        import('../../analyzer/report/progress.js'),
      ]);
      const progress = progressLine(process.stderr);
      let analysis: Analysis;
      try {
        analysis = await analyzeProgram(elf, { onProgress: (message: string) => progress.update(message), paths: why !== undefined });
      } finally {
        progress.done();
      }
      if (why !== undefined) return explain(analysis, why, options.json === true);
      if (options.sites === true) return listSites(analysis, options.json === true);
      if (options.html !== undefined) writeHtml(options.html, (await import('../../analyzer/report/html.js')).renderHtml(analysis));
      process.stdout.write(await render(analysis, options));
    });
}
