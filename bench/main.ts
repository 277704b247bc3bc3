// `npm run bench -- NAME [ARGS...]`: runs bench/NAME.ts (each exports `run(args)`), or all of them.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Benchmark {
  run(args: string[]): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'main.js' && !f.startsWith('lib-'))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
const chosen = name === undefined ? available : [name];
for (const bench of chosen) {
  if (!available.includes(bench)) {
    process.stderr.write(`bench: no benchmark '${bench}' (have: ${available.join(', ') || 'none'})\n`);
    process.exit(2);
  }
  const module = (await import(`./${bench}.js`)) as Benchmark;
  await module.run(args);
}
