// How the guest's console meets this process's stdin and stdout (kernel/IMAGE.md, console=):
// - stdin and stdout a terminal: 'tty'. The guest's console is the line discipline (echo, line
//   editing, ^C, ^D); our terminal is put in raw mode so that it is the only one.
// - otherwise: 'framed'. Our stdin is read as data and its end is sent as an end mark. When stdin
//   is a terminal but stdout is not, the terminal keeps its own line discipline (cooked): it echoes,
//   edits lines, ^D ends the input and ^C stops the VM, and the program's output stays exact.
export type ConsoleMode = 'framed' | 'tty';

/** The guest's fds (of 0, 1, 2) that are terminals: those whose stream on our side is one (kernel/IMAGE.md, terminals=). */
export function terminalFds(stdin: boolean, stdout: boolean, stderr: boolean): number[] {
  return [stdin, stdout, stderr].flatMap((terminal, fd) => (terminal ? [fd] : []));
}

export function consoleMode(stdinIsTerminal: boolean, stdoutIsTerminal: boolean): ConsoleMode {
  return stdinIsTerminal && stdoutIsTerminal ? 'tty' : 'framed';
}
