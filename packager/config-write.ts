// Writes discovery's additions into a ukify.json (config-merge.ts decides the text): the file is
// read again just before (the user may have edited it meanwhile), written beside and renamed, so a
// failure never leaves half a file; nothing is written when nothing is added.
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ConfigAddition, type ConfigMerge, mergeConfig } from './config-merge.js';
import { OptionsError } from './options.js';

/** Adds to the config file at `path` (created when absent); `shown` names it in messages. */
export function saveConfigAdditions(path: string, shown: string, additions: readonly ConfigAddition[]): ConfigMerge {
  let original: string | undefined;
  try {
    original = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  } catch (error) {
    throw new OptionsError(`cannot read the config file ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const merge = mergeConfig(original, additions, shown, dirname(path));
  if (merge.text === undefined) return merge;
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    // The file keeps its permissions.
    const mode = original === undefined ? 0o644 : statSync(path).mode & 0o7777;
    writeFileSync(temporary, merge.text, { mode });
    chmodSync(temporary, mode);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new OptionsError(`cannot write the config file ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return merge;
}
