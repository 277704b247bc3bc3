// Adding entries to a ukify.json (`ukify discover` writes what it found there): every field and
// entry the file already has stays as it is, in its place; an entry for a guest path the file
// already names (in files or dirs) is never replaced. Pure: text in, text out.
import { isAbsolute, posix } from 'node:path';
import { parseConfig } from './config.js';
import { OptionsError } from './options.js';

export interface ConfigAddition {
  field: 'files' | 'dirs';
  /** Absolute, normalized guest path. */
  guest: string;
  /** Absolute host path. */
  host: string;
}

export interface ConfigMerge {
  /** The file's new text, or undefined when nothing is added. */
  text: string | undefined;
  /** What was added, with the host path as written (relative to the file's folder when inside it). */
  added: ConfigAddition[];
  /** Additions not made because the file already names the guest path: the user's entry stays. */
  kept: { field: 'files' | 'dirs'; guest: string; theirs: string }[];
  /** There was no file: the text is a new one. */
  created: boolean;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalGuest(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

/** A host path as a config file in `base` names it: relative inside base, else absolute. */
export function configHostPath(host: string, base: string): string {
  const relative = posix.relative(base, host);
  return relative === '' || relative.startsWith('..') || isAbsolute(relative) ? host : relative;
}

/** The indentation the file uses (its first indented line's), two spaces when it has none. */
function indentation(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
}

/**
 * Adds `additions` to the config text (undefined: no file yet). `file` names it in errors; `base`
 * is its folder. A file that is not a valid config is an OptionsError: it is never overwritten.
 */
export function mergeConfig(original: string | undefined, additions: readonly ConfigAddition[], file: string, base: string): ConfigMerge {
  const text = original ?? '{}';
  parseConfig(text, file, base); // a broken file stops here, with the reader's own message
  const data = JSON.parse(text) as unknown;
  if (!isObject(data)) throw new OptionsError(`${file}: must hold a JSON object`);
  const named = new Map<string, { field: 'files' | 'dirs'; host: string }>();
  for (const field of ['files', 'dirs'] as const) {
    const entries = data[field];
    if (!isObject(entries)) continue;
    for (const [guest, host] of Object.entries(entries)) named.set(normalGuest(guest), { field, host: String(host) });
  }
  const added: ConfigAddition[] = [];
  const kept: ConfigMerge['kept'] = [];
  for (const addition of additions) {
    const theirs = named.get(addition.guest);
    if (theirs !== undefined) {
      kept.push({ field: theirs.field, guest: addition.guest, theirs: theirs.host });
      continue;
    }
    const host = configHostPath(addition.host, base);
    const entries = isObject(data[addition.field]) ? (data[addition.field] as JsonObject) : {};
    entries[addition.guest] = host;
    data[addition.field] = entries;
    named.set(addition.guest, { field: addition.field, host });
    added.push({ ...addition, host });
  }
  const merged = added.length === 0 ? undefined : `${JSON.stringify(data, null, indentation(text))}\n`;
  return { text: merged, added, kept, created: original === undefined };
}
