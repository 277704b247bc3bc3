// file:line for addresses of an object with DWARF line information, from binutils' addr2line (the
// object's bytes as the image holds them, in a temporary file). Objects without it give none.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function sourceLines(object: Uint8Array, addresses: readonly bigint[]): Map<bigint, string> {
  const out = new Map<bigint, string>();
  if (addresses.length === 0) return out;
  const dir = mkdtempSync(join(tmpdir(), 'ukify-crash-'));
  try {
    const file = join(dir, 'object');
    writeFileSync(file, object);
    const r = spawnSync('addr2line', ['-e', file, ...addresses.map((a) => `0x${a.toString(16)}`)], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) return out;
    r.stdout.split('\n').forEach((line, i) => {
      const where = line.replace(/ \(discriminator \d+\)$/, '');
      const address = addresses[i];
      if (address !== undefined && !where.startsWith('??') && !where.endsWith(':0') && !where.endsWith(':?')) out.set(address, where);
    });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
