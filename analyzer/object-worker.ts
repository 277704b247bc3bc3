// A worker thread of the object pool (object-pool.ts): it analyzes one object at a time. The file's
// bytes come in with the job, the imported forwarders when the objects before it are done, and the
// summary goes back (stored in the cache here, off the main thread). Between jobs it helps the main
// thread decode the program's functions (shared-decode.ts): the image comes with the first list.
import { parentPort } from 'node:worker_threads';
import { storeCached } from './cache.js';
import { readElf } from './elf/index.js';
import { analyzeObject, type ImportedForwarders } from './object.js';
import { type PackedFunctions, transferables } from './code/packed.js';
import { type CodeImage, type DecodeList, decodeList } from './shared-decode.js';
import type { ObjectSummary } from './summary.js';

export type ToWorker =
  | { kind: 'analyze'; path: string; sha256: string; bytes: Uint8Array; cacheDir: string }
  | { kind: 'assumed'; forwarders: [string, number[]][] }
  | { kind: 'decode'; image?: CodeImage; list: DecodeList };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'summary'; summary: ObjectSummary }
  | { kind: 'decoded'; packed: PackedFunctions }
  | { kind: 'failed'; message: string };

const port = parentPort;
if (port === null) throw new Error('object-worker.ts runs as a worker thread');

let giveAssumed: ((f: ImportedForwarders) => void) | undefined;
/** The image the main thread's decode lists are of. */
let image: CodeImage | undefined;

async function analyze(job: Extract<ToWorker, { kind: 'analyze' }>, assumed: Promise<ImportedForwarders>): Promise<void> {
  try {
    const summary = await analyzeObject(readElf(job.bytes, job.path), job.sha256, () => assumed);
    storeCached(job.cacheDir, summary);
    port?.postMessage({ kind: 'summary', summary } satisfies FromWorker);
  } catch (error) {
    port?.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
  }
}

function decode(m: Extract<ToWorker, { kind: 'decode' }>): void {
  try {
    image = m.image ?? image;
    if (image === undefined) throw new Error('a decode list came without its image');
    const packed = decodeList(image, m.list);
    port?.postMessage({ kind: 'decoded', packed } satisfies FromWorker, transferables(packed));
  } catch (error) {
    port?.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'assumed') {
    giveAssumed?.(new Map(m.forwarders));
    return;
  }
  if (m.kind === 'decode') {
    decode(m);
    return;
  }
  void analyze(m, new Promise((resolve) => (giveAssumed = resolve)));
});
port.postMessage({ kind: 'ready' } satisfies FromWorker);
