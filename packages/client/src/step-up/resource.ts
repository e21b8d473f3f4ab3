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
 * Whether `url` is the resource `resource` or below it: same origin and a path prefix, whole
 * segments only.
 */
export function resourceCovers(resource: URL, url: URL): boolean {
  return (
    resource.protocol === url.protocol &&
    resource.host === url.host &&
    withSlash(url.pathname).startsWith(withSlash(resource.pathname))
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

/** Checks `allowedResources` at creation: absolute http(s) URLs without fragment or credentials. */
export function parseAllowedResources(value: unknown): URL[] {
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
