/**
 * Sends a request that may carry a token and follows its redirects here rather than in `fetch`,
 * because `fetch` drops `Authorization` only when a redirect changes origin (WHATWG Fetch
 * §4.4 "HTTP-redirect fetch"): a redirect from `https://host/tenant-a` to `https://host/tenant-b`
 * would hand tenant-a's token to tenant-b. Here each hop keeps the token only while the target
 * is covered by the resource it was meant for; the rest follows §4.4 (20 hops at most, 301/302
 * POST and 303 become GET without a body, 307/308 resend method and body).
 */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];

export interface Sent {
  readonly response: Response;
  /** Where the response came from, after any redirects. */
  readonly url: URL;
}

/**
 * `carry` sends a hop that may carry the token (default: `send`, with the request's own
 * `Authorization`); a DPoP sender adds the token and a proof made for that hop's URL (RFC 9449
 * §4.2 `htu`), as a proof for one URL is no good for the next.
 */
export async function sendWithin(
  send: typeof fetch,
  request: Request,
  mayCarryToken: (url: URL) => boolean,
  carry: (request: Request) => Promise<Response> = send,
): Promise<Sent> {
  // 'manual' and 'error' are the caller's choice, and with them fetch follows nothing.
  if (request.redirect !== 'follow') {
    const url = new URL(request.url);
    const response = await (mayCarryToken(url) ? carry : send)(request);
    // A DPoP sender always sends with 'manual' (oauth4webapi); 'error' must still fail as fetch does.
    if (request.redirect === 'error' && REDIRECT_STATUSES.has(response.status)) {
      response.body?.cancel().catch(() => {});
      throw new TypeError('a redirect, and the request said redirect: "error"');
    }
    return { response, url };
  }
  let current = request;
  let left = false; // once a hop leaves the resource, no later hop carries the token, as with Bearer
  for (let hops = 0; ; hops++) {
    const spare = current.clone(); // tees the body, for a 307/308 that sends it again
    const hop = new Request(current, { redirect: 'manual' });
    left ||= !mayCarryToken(new URL(current.url));
    const response = await (left ? send(hop) : carry(hop));
    const location = response.headers.get('location');
    if (!REDIRECT_STATUSES.has(response.status) || location === null) {
      // The spare copy of the body is not needed: free what the tee buffered for it (not awaited,
      // a branch's cancel settles only once the other branch is done too).
      spare.body?.cancel().catch(() => {});
      return { response, url: new URL(current.url) };
    }
    response.body?.cancel().catch(() => {});
    let next: URL;
    try {
      next = new URL(location, current.url);
    } catch (cause) {
      throw new TypeError(`a redirect to an invalid location: ${location.slice(0, 200)}`, { cause });
    }
    if (hops >= MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects`);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw new TypeError(`a redirect to a ${next.protocol} URL`);
    }
    const method = spare.method;
    const toGet =
      ((response.status === 301 || response.status === 302) && method === 'POST') ||
      (response.status === 303 && method !== 'GET' && method !== 'HEAD');
    const headers = new Headers(spare.headers);
    if (toGet) for (const name of BODY_HEADERS) headers.delete(name);
    if (!mayCarryToken(next)) {
      headers.delete('authorization');
      headers.delete('dpop');
    }
    current = new Request(next, {
      method: toGet ? 'GET' : method,
      headers,
      body: toGet ? null : spare.body,
      signal: spare.signal,
      redirect: 'follow',
      // A streamed body must say so (undici); a request without one ignores it.
      duplex: 'half',
    } as RequestInit);
  }
}
