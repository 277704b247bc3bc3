// `ukify discover --probe URL`: once the program's forwarded port answers, each URL is fetched once
// (GET), in order, so that a server looks up what serving it needs. A request that finds no server
// yet is tried again every RETRY_MS until the round ends. QEMU accepts on the host side as soon as
// it starts and only then tries the guest, whose first SYNs go unanswered while it boots: a request
// with no answer is given up after FIRST_WAIT_MS, then twice as long each time, up to 30 s.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

const RETRY_MS = 250;
const FIRST_WAIT_MS = 1000;
const LONGEST_WAIT_MS = 30_000;

export type ProbeOutcome = { url: string; status: number; bytes: number } | { url: string; error: string };

/** One GET; resolves with the status and body size, rejects when no HTTP answer came. */
function get(url: URL, signal: AbortSignal, waitMs: number): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // Test servers use self-signed certificates: the probe is about the paths served, not trust.
    const req = request(url, { method: 'GET', agent: false, signal, rejectUnauthorized: false }, (res: IncomingMessage) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.setTimeout(waitMs, () => req.destroy(new Error(`no answer in ${waitMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Fetches each URL in turn, each as soon as the server answers; stops when `signal` aborts. */
export async function runProbes(urls: readonly URL[], signal: AbortSignal, report: (line: string) => void): Promise<ProbeOutcome[]> {
  const outcomes: ProbeOutcome[] = [];
  for (const url of urls) {
    let lastError = 'the round ended first';
    let waitMs = FIRST_WAIT_MS;
    while (!signal.aborted) {
      try {
        const answer = await get(url, signal, waitMs);
        outcomes.push({ url: url.href, ...answer });
        report(`probe ${url.href}: ${answer.status}, ${answer.bytes} bytes`);
        break;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        if (lastError.startsWith('no answer')) waitMs = Math.min(waitMs * 2, LONGEST_WAIT_MS);
        await pause(RETRY_MS, signal);
      }
    }
    if (signal.aborted && !outcomes.some((o) => o.url === url.href)) {
      if (lastError.includes('aborted')) lastError = 'the round ended first';
      outcomes.push({ url: url.href, error: lastError });
      report(`probe ${url.href}: no answer (${lastError})`);
    }
  }
  return outcomes;
}
