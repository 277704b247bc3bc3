// `ukify analyze --why SYSCALL`: why the analysis counts a syscall, as a shortest chain of functions
// from a root to each function that can issue it. Needs an analysis made with the `paths` option.
import type { PathHow, PathStep, SyscallUse } from '../analysis.js';
import type { Paint } from './color.js';
import { renderTable } from './table.js';
import { objectName, terminalSafe } from './text.js';

const howText: Record<PathHow, string> = {
  root: 'root: entry point, init function or export found by name',
  export: 'root: exported by the library',
  data: 'root: its address is stored in data',
  call: 'called',
  pointer: 'address taken (called through a pointer)',
  import: 'called in another object',
  'import-pointer': 'address taken in another object',
  number: 'called with the syscall number',
  name: 'looked up by name (dlsym, dlvsym)',
};

const maxChains = 10; // the shortest ones; the JSON report (--json with --why) has them all

function chain(path: readonly PathStep[]): string[] {
  const rows = path.map((s) => [{ text: terminalSafe(objectName(s.object)) }, { text: terminalSafe(s.function) }, { text: howText[s.how] }]);
  return renderTable([{ title: 'OBJECT' }, { title: 'FUNCTION' }, { title: 'HOW' }], rows, '  ').slice(1);
}

export function renderWhy(use: SyscallUse, paint: Paint): string {
  const functions = use.from.length === 1 ? '1 function' : `${use.from.length} functions`;
  const note = use.note === '' ? '' : ` (${use.note})`;
  const lines = [`${use.name} (${use.nr}): ${paint(use.status, use.status)}${terminalSafe(note)}; ${use.sites} site${use.sites === 1 ? '' : 's'} in ${functions}`];
  const byLength = [...use.from].sort((a, b) => (a.path?.length ?? 0) - (b.path?.length ?? 0));
  for (const origin of byLength.slice(0, maxChains)) {
    lines.push('', `${terminalSafe(objectName(origin.object))}: ${terminalSafe(origin.function)}, reached by:`);
    lines.push(...chain(origin.path ?? []));
  }
  const rest = byLength.slice(maxChains);
  if (rest.length > 0) lines.push('', terminalSafe(`and ${rest.length} more: ${rest.map((o) => `${objectName(o.object)}: ${o.function}`).join(', ')}`));
  return `${lines.join('\n')}\n`;
}
