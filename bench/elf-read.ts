// readElf throughput on real binaries: `npm run bench -- elf-read [ROUNDS]`.
import { readFileSync, realpathSync } from 'node:fs';
import { readElf } from '../analyzer/elf/index.js';

export async function run(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 20);
  const files = ['/usr/sbin/nginx', '/bin/busybox', realpathSync('/usr/bin/python3'), '/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libcrypto.so.3'];
  console.log(`readElf, best of ${rounds} rounds (everything: symbols, versions, relocations, notes, FDEs)`);
  console.log('file                     size MiB   best ms   MiB/s   symbols  relocs    FDEs');
  for (const file of files) {
    const bytes = readFileSync(file);
    let best = Infinity;
    let elf = readElf(bytes, file);
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      elf = readElf(bytes, file);
      best = Math.min(best, performance.now() - t);
    }
    const mib = bytes.length / 1048576;
    const name = file.split('/').at(-1) ?? file;
    console.log(
      `${name.padEnd(24)} ${mib.toFixed(2).padStart(8)} ${best.toFixed(2).padStart(9)} ${(mib / (best / 1000)).toFixed(0).padStart(7)}` +
        ` ${String(elf.symbols.length + elf.dynamicSymbols.length).padStart(9)} ${String(elf.relocations.length).padStart(7)} ${String(elf.fdes.length).padStart(7)}`,
    );
  }
}
