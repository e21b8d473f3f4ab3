/**
 * Which URLs a key set or an issuer may be fetched from: `https:`, or `http:` to a loopback
 * host only (a test or a sidecar on the same machine), unless `allowInsecureHttp` says otherwise.
 * Keys fetched in clear text over a network can be swapped by anyone on the path.
 */
import { ConfigurationError } from '../errors.js';

/**
 * 127.0.0.0/8, ::1 and `localhost` (RFC 6761 §6.3). URL parsing has already normalised the host
 * (`127.1` is `127.0.0.1`, `[0:0::1]` is `[::1]`). Names under `.localhost` are not trusted: not
 * every resolver keeps them on the machine.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Why `url` may not be fetched, or undefined when it may. */
export function insecureUrlProblem(url: URL, allowInsecureHttp: boolean): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `must be an https URL (got ${url.protocol})`;
  if (allowInsecureHttp || isLoopbackHost(url.hostname)) return undefined;
  return (
    `is http: to ${url.hostname}, which is not loopback; use https, ` +
    'or set allowInsecureHttp: true on this issuer if the network path is trusted'
  );
}

/** Parses a configured URL, applying the http/loopback rule; throws a `ConfigurationError`. */
export function fetchableUrl(option: string, value: unknown, allowInsecureHttp: boolean, example: string): URL {
  let url: URL;
  try {
    if (typeof value !== 'string' && !(value instanceof URL)) throw new TypeError('not a string');
    url = new URL(String(value));
  } catch {
    throw new ConfigurationError(option, `must be an absolute URL such as ${example}`);
  }
  const problem = insecureUrlProblem(url, allowInsecureHttp);
  if (problem !== undefined) throw new ConfigurationError(option, problem);
  return url;
}
