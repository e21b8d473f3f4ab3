/**
 * RFC 9449 §4.3 step 9: `htu` matches the request's URI without query and fragment, compared
 * after syntax-based and scheme-based normalisation (RFC 3986 §6.2.2, §6.2.3): case of scheme
 * and host, default port, dot segments (all done by the WHATWG URL parser), then upper-case
 * percent-encoding hex digits and decoded unreserved characters (done here).
 */

// RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~".
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function normalizePercentEncoding(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/** The normalised `scheme://authority/path` of an absolute http(s) URI, or `undefined` when it is none. */
export function normalizeHtu(value: string): string | undefined {
  if (value.length > 4096) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // Credentials have no place in an htu; refusing them avoids a second reading of the authority.
  if (url.username !== '' || url.password !== '') return undefined;
  return `${url.origin}${normalizePercentEncoding(url.pathname)}`;
}

/** What `htu` must be for a request to `path` (the request's path, query excluded) at `origin`. */
export function expectedHtu(origin: string, path: string): string | undefined {
  const at = path.search(/[?#]/);
  const bare = at === -1 ? path : path.slice(0, at);
  if (!bare.startsWith('/')) return undefined;
  // `origin` has no path, so a request path of `//host/x` stays a path after it.
  return normalizeHtu(`${origin}${bare}`);
}
