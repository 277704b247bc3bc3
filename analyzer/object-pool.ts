// Objects analyzed side by side: the main thread and worker threads (one per further core). Workers
// take jobs in the order they were given, the main thread from the end (the program itself, which then
// needs no copy to a worker). A job waits for its imported forwarders only after decoding its code,
// and they come from the jobs before it; the main thread takes another job while its job waits, so
// the earliest unfinished job always runs: no deadlock. Workers take jobs once they are ready (loading
// the decoder takes a while); the main thread works meanwhile. Once the main thread's object is
// ready to decode, a worker helps with that before it takes another job (shared-decode.ts), holding
// two lists at a time: the main thread hands out the next list only between lists of its own, and the
// worker must not wait for that.
// Without the compiled worker (the analyzer run from its TypeScript sources) or before startWorkers,
// every job runs on the main thread.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { storeCachedLater } from './cache.js';
import type { ElfFile } from './elf/index.js';
import type { ImportedForwarders } from './object.js';
import type { FromWorker, ToWorker } from './object-worker.js';
import type { DecodeHelpers, DecodeShare } from './shared-decode.js';
import type { ObjectSummary } from './summary.js';

export interface Job {
  path: string;
  sha256: string;
  /** The file's bytes (sent to a worker). */
  bytes: () => Uint8Array;
  /** The parsed file (analyzed on the main thread). */
  elf: () => ElfFile;
  assumed: Promise<ImportedForwarders>;
  onStart: () => void;
}

interface Queued {
  job: Job;
  resolve: (s: ObjectSummary) => void;
  reject: (e: unknown) => void;
}

/** Decode lists a worker holds at once: one to work on, one waiting. */
const listsInHand = 2;

/** A worker thread and what it was given. */
interface Helper {
  worker: Worker;
  /** It has loaded (its first message). */
  ready: boolean;
  /** The object it analyzes. */
  job?: Queued;
  /** The decode lists it holds, and the image (by hash) it has. */
  lists: { share: DecodeShare; id: number }[];
  image?: string;
  /** What to do with each reply to come, in order. */
  replies: ((m: FromWorker) => void)[];
}

const workerFile = fileURLToPath(new URL('./object-worker.js', import.meta.url));

export class ObjectPool implements DecodeHelpers {
  private readonly queue: Queued[] = [];
  private readonly workers: Helper[] = [];
  private mainBusy = false;
  /** Decoding the main thread's job shares. */
  private share: DecodeShare | undefined;
  /** The main thread's summaries being written to the cache (the next steps need not wait). */
  private readonly writes: Promise<void>[] = [];

  /** `threads`: how many jobs at once at most, the main thread included. */
  constructor(private readonly cacheDir: string, private readonly threads = availableParallelism()) {}

  analyze(job: Job): Promise<ObjectSummary> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the workers and drops the jobs not started (after a failure), once the main thread's summaries are written. */
  async close(): Promise<void> {
    this.queue.length = 0;
    await Promise.all([...this.writes, ...this.workers.map((h) => h.worker.terminate())]);
  }

  /** Starts the workers (without them, every job runs on the main thread). */
  startWorkers(): void {
    if (this.workers.length > 0 || this.threads < 2 || !existsSync(workerFile)) return;
    for (let i = 1; i < this.threads; i++) {
      const h: Helper = { worker: new Worker(workerFile), ready: false, lists: [], replies: [] };
      this.workers.push(h);
      h.replies.push(() => {
        h.ready = true;
        this.dispatch();
      });
      // Replies come in the order of the requests.
      h.worker.on('message', (m: FromWorker) => h.replies.shift()?.(m));
      // A worker that dies leaves its job to the main thread.
      h.worker.on('error', () => this.lost(h));
    }
  }

  offer(share: DecodeShare): void {
    this.share = share;
    this.dispatch();
  }

  withdraw(share: DecodeShare): void {
    if (this.share === share) this.share = undefined;
  }

  private dispatch(): void {
    // Decode lists first: the main thread's object is on the critical path, the other objects are
    // not (their summaries are needed only once it is decoded, and the main thread helps with them then).
    for (const h of this.workers) {
      while (h.ready && h.job === undefined && h.lists.length < listsInHand && this.share !== undefined) {
        const next = this.share.take();
        if (next === undefined) break;
        this.onDecode(h, this.share, next);
      }
    }
    for (const h of this.workers) {
      if (!h.ready || h.job !== undefined || h.lists.length > 0) continue;
      const next = this.queue.shift();
      if (next === undefined) break;
      this.onWorker(h, next);
    }
    if (this.queue.length > 0 && !this.mainBusy) {
      this.mainBusy = true;
      // Later: let the caller queue its other jobs (and ready workers take theirs) first.
      setImmediate(() => {
        // The last job: the program itself, the largest as a rule, is not copied to a worker.
        const next = this.queue.pop();
        if (next === undefined) this.mainBusy = false;
        else void this.onMain(next);
      });
    }
  }

  /** The main thread takes another job as soon as this one waits for its imported forwarders, or ends. */
  private async onMain({ job, resolve, reject }: Queued): Promise<void> {
    let waiting = false;
    const free = (): void => {
      if (waiting) return;
      waiting = true;
      this.mainBusy = false;
      this.dispatch();
    };
    try {
      job.onStart();
      // Loaded here: a warm analysis needs no decoder (iced-x86 takes a few hundred ms to load).
      const { analyzeObject } = await import('./object.js');
      const summary = await analyzeObject(
        job.elf(),
        job.sha256,
        () => {
          free();
          return job.assumed;
        },
        this.workers.length > 0 ? this : undefined,
      );
      this.writes.push(storeCachedLater(this.cacheDir, summary));
      resolve(summary);
    } catch (error) {
      reject(error);
    } finally {
      free();
    }
  }

  private lost(h: Helper): void {
    this.workers.splice(this.workers.indexOf(h), 1);
    for (const { share, id } of h.lists) share.done(id, undefined);
    if (h.job !== undefined) this.queue.unshift(h.job);
    this.dispatch();
  }

  private onWorker(h: Helper, q: Queued): void {
    const { job } = q;
    job.onStart();
    h.job = q;
    h.replies.push((m) => {
      h.job = undefined;
      if (m.kind === 'summary') q.resolve(m.summary);
      // A failure is said as the main thread says it: the job runs again there.
      else this.queue.unshift(q);
      this.dispatch();
    });
    h.worker.postMessage({ kind: 'analyze', path: job.path, sha256: job.sha256, bytes: job.bytes(), cacheDir: this.cacheDir } satisfies ToWorker);
    job.assumed.then((f) => h.worker.postMessage({ kind: 'assumed', forwarders: [...f].map(([k, v]) => [k, [...v]]) } satisfies ToWorker), () => undefined);
  }

  /** A list of the main thread's functions to decode; the image goes with a worker's first list of it. */
  private onDecode(h: Helper, share: DecodeShare, { id, list }: { id: number; list: Float64Array }): void {
    const held = { share, id };
    h.lists.push(held);
    h.replies.push((m) => {
      h.lists.splice(h.lists.indexOf(held), 1);
      share.done(id, m.kind === 'decoded' ? m.packed : undefined);
      this.dispatch();
    });
    const image = h.image === share.image.sha256 ? undefined : share.image;
    h.image = share.image.sha256;
    h.worker.postMessage({ kind: 'decode', image, list } satisfies ToWorker, [list.buffer as ArrayBuffer]);
  }
}
