// `ukify discover --probe URL`: an http or https URL on a host port that a forward (-p) sends into
// the guest. Pure parsing and checks.
import type { PortForward } from '../ports.js';

export class ProbeError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The URL, checked: http or https, on the host port of a tcp forward. */
export function parseProbe(text: string, forwards: readonly PortForward[]): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProbeError(`--probe ${text}: not a URL (write e.g. http://127.0.0.1:8080/index.html)`);
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined) throw new ProbeError(`--probe ${text}: only http and https URLs can be probed`);
  if (forwards.length === 0) throw new ProbeError(`--probe ${text}: a probe needs a forwarded port (-p HOST:GUEST) to reach the program`);
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (!forwards.some((f) => f.protocol === 'tcp' && f.hostPort === port)) {
    throw new ProbeError(`--probe ${text}: host port ${port} is not forwarded to the guest (add -p ${port}:GUEST_PORT)`);
  }
  return url;
}
