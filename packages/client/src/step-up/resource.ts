/**
 * Where tokens may go. A resource identifier (RFC 9728 §1.2, RFC 8707 §2: an absolute `https`
 * URI without a fragment) covers a URL when both have the same origin and the identifier's path
 * is a prefix of the URL's path, segment by segment: `https://api.example.com/mcp` covers
 * `https://api.example.com/mcp/tools` but not `https://api.example.com/mcpx` (the rule of the MCP
 * SDK's `checkResourceAllowed`, and of draft-mcguinness-oauth-rfc9728bis).
 */
import { ConfigurationError } from './errors.js';

const withSlash = (path: string) => (path.endsWith('/') ? path : `${path}/`);

/**
 * An encoded `/` or backslash: a proxy that decodes before routing (nginx does) reads `/a/..%2Fb` as
 * `/b`, so below a path-scoped resource such a URL may lead outside it. WHATWG URL parsing has
 * already resolved plain and `%2e` dot segments.
 */
const ENCODED_SEPARATOR = /%2f|%5c/i;

/**
 * Whether `url` is the resource `resource` or below it: same origin and a path prefix, whole
 * segments only, and below a path-scoped resource no encoded separator.
 */
export function resourceCovers(resource: URL, url: URL): boolean {
  return (
    resource.protocol === url.protocol &&
    resource.host === url.host &&
    withSlash(url.pathname).startsWith(withSlash(resource.pathname)) &&
    (resource.pathname === '/' || !ENCODED_SEPARATOR.test(url.pathname))
  );
}

/** The most specific allowed resource covering `url`, if any. */
export function allowedResourceFor(allowed: readonly URL[], url: URL): URL | undefined {
  let best: URL | undefined;
  for (const resource of allowed) {
    if (resourceCovers(resource, url) && (best === undefined || resource.pathname.length > best.pathname.length)) {
      best = resource;
    }
  }
  return best;
}

/**
 * 127.0.0.0/8, `[::1]` and `localhost` (RFC 6761 §6.3), as URL parsing normalised them; names
 * under `.localhost` and mapped forms such as `[::ffff:127.0.0.1]` are not trusted.
 */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Checks `allowedResources` at creation: absolute http(s) URLs without fragment or credentials,
 * and `http:` only to loopback unless `allowInsecureHttp` (RFC 6750 §5.3: bearer tokens need TLS).
 */
export function parseAllowedResources(value: unknown, allowInsecureHttp = false): URL[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigurationError(
      'allowedResources',
      'is required: list the origins or RFC 9728 resource identifiers the client may send tokens to, e.g. ["https://api.example.com"]',
    );
  }
  return value.map((entry: unknown, index) => {
    const option = `allowedResources[${index}]`;
    if (typeof entry !== 'string' && !(entry instanceof URL)) {
      throw new ConfigurationError(option, 'must be an absolute URL string such as "https://api.example.com"');
    }
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new ConfigurationError(option, 'must be an absolute URL such as "https://api.example.com"');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ConfigurationError(option, 'must be an https: (or, for loopback and tests, http:) URL');
    }
    if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
      throw new ConfigurationError(
        option,
        `is http: to ${url.hostname}, which is not loopback: tokens would cross the network in clear text; ` +
          'use https, or set allowInsecureHttp: true if the network path is trusted',
      );
    }
    // RFC 8707 §2: a resource indicator MUST NOT include a fragment.
    if (url.hash !== '' || String(entry).includes('#'))
      throw new ConfigurationError(option, 'must not have a fragment');
    if (url.username !== '' || url.password !== '') throw new ConfigurationError(option, 'must not carry credentials');
    if (url.search !== '') throw new ConfigurationError(option, 'must not have a query');
    return url;
  });
}

/** The identifier as it is sent to the authorization server: an origin-only one without a trailing slash. */
export function resourceIdentifier(resource: URL): string {
  return resource.pathname === '/' ? resource.origin : `${resource.origin}${resource.pathname}`;
}
