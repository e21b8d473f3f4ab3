/**
 * Where requests may come from. Every request must name this server's own host (a foreign
 * `Host` is a DNS-rebinding attempt or a misrouted request: RFC 9110 §15.5.20, 421), and every
 * state-changing request from a browser page must come from this server's own pages: its
 * `Origin` (RFC 6454), or failing that its `Referer`, must be the issuer's origin. A POST with
 * neither is refused too, since a page cannot be told apart from a forgery without them.
 */
import type { IncomingMessage } from 'node:http';

export type GuardVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 400 | 403 | 421; readonly reason: string };

const OK: GuardVerdict = { ok: true };

export function checkHost(req: IncomingMessage, issuer: URL): GuardVerdict {
  // RFC 9112 §3.2: one Host per request (Node keeps the first of several; a proxy may use
  // another), else 400; it is compared whole, port included. §3.2.2: with an
  // absolute-form target (`GET http://evil.example/…`), the target's authority is the host
  // and the Host header is ignored.
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === 'host') hosts++;
  if (hosts > 1) return { ok: false, status: 400, reason: 'a request names one host' };
  if (/^[a-z][a-z0-9+.-]*:/i.test(req.url ?? '')) {
    try {
      if (new URL(req.url as string).host === issuer.host) return OK;
    } catch {
      // An unparsable target names no host of ours.
    }
  } else if (req.headers.host?.toLowerCase() === issuer.host) return OK;
  return { ok: false, status: 421, reason: 'this server does not answer for that host' };
}

export function checkOrigin(req: IncomingMessage, issuer: URL): GuardVerdict {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    return origin === issuer.origin ? OK : { ok: false, status: 403, reason: 'cross-origin request refused' };
  }
  const referer = req.headers.referer;
  if (referer === undefined) return { ok: false, status: 403, reason: 'a form post needs an Origin or a Referer' };
  try {
    return new URL(referer).origin === issuer.origin
      ? OK
      : { ok: false, status: 403, reason: 'cross-site request refused' };
  } catch {
    return { ok: false, status: 403, reason: 'cross-site request refused' };
  }
}
