// `ukify syscalls [--json] [--status S]`: print the syscall catalog.
import type { Command } from 'commander';
import { loadCatalog, syscallStatuses, type SyscallStatus } from '../../syscall-shim/catalog.js';
import { UserError } from '../user-error.js';

interface SyscallsOptions {
  json?: boolean;
  status?: string[];
}

function parseStatuses(values: readonly string[]): Set<SyscallStatus> {
  const wanted = new Set<SyscallStatus>();
  for (const value of values.flatMap((v) => v.split(','))) {
    const status = syscallStatuses.find((s) => s === value.trim());
    if (status === undefined) {
      throw new UserError(`unknown status '${value}' (expected one of: ${syscallStatuses.join(', ')})`);
    }
    wanted.add(status);
  }
  return wanted;
}

export function registerSyscalls(program: Command): void {
  program
    .command('syscalls')
    .description('print the syscall catalog: every x86-64 Linux syscall and its status in ukify')
    .option('--json', 'print JSON: {syscalls: [{nr, name, status, note}], counts}')
    .option('--status <status...>', `only syscalls with these statuses (${syscallStatuses.join(', ')}; repeat or comma-separate)`)
    .action(async (options: SyscallsOptions) => {
      const wanted = options.status === undefined ? undefined : parseStatuses(options.status);
      const entries = [...loadCatalog().values()]
        .filter((e) => wanted === undefined || wanted.has(e.status))
        .sort((a, b) => a.nr - b.nr);
      // Loaded here, not at start-up: only this command prints the catalog.
      const { renderCatalogJson, renderCatalogTable } = await import('../../analyzer/report/catalog.js');
      if (options.json === true) {
        process.stdout.write(renderCatalogJson(entries));
      } else {
        const { ansiPaint, noPaint, wantColor } = await import('../../analyzer/report/color.js');
        const paint = wantColor(process.stdout.isTTY === true, process.env) ? ansiPaint : noPaint;
        process.stdout.write(renderCatalogTable(entries, paint));
      }
    });
}
