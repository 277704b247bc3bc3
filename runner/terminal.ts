// Our terminal while the guest's console is its line discipline (console=tty): raw, without
// output processing either (stty raw -echo also clears OPOST), so the guest's echo and its
// ONLCR reach the screen as Linux's tty would send them. The settings are saved with stty -g and
// put back when the run ends. Output that does not come from the guest's console (COM2, kernel
// log lines) gets the \n → \r\n the terminal no longer adds.
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';

/** \n → \r\n, as a terminal's ONLCR output processing does. */
export function onlcr(chunk: Uint8Array): Buffer {
  const bytes = Buffer.from(chunk);
  if (!bytes.includes(0x0a)) return bytes;
  return Buffer.from(bytes.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
}

/** A stream writing to `to` with ONLCR applied. */
export function onlcrStream(to: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done): void {
      to.write(onlcr(chunk));
      done();
    },
  });
}

function stty(args: string[]): string | undefined {
  const r = spawnSync('stty', args, { stdio: ['inherit', 'pipe', 'pipe'], encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Puts the terminal on our stdin in raw mode; returns the function that restores it, or
 * undefined when stty could not do it. */
export function rawTerminal(): (() => void) | undefined {
  const saved = stty(['-g']);
  if (saved === undefined || stty(['raw', '-echo']) === undefined) return undefined;
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    stty([saved]);
  };
}
