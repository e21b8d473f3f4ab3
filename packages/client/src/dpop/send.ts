/**
 * One request to a resource with a DPoP-bound token (RFC 9449 §7.1): `Authorization: DPoP
 * <token>` and a fresh proof for this method and URL, with `ath` (§4.2), made and sent by
 * oauth4webapi's `protectedResourceRequest`. A `use_dpop_nonce` refusal that carries a
 * `DPoP-Nonce` (§9) is sent again once, with that nonce; a second refusal is the caller's, so
 * a resource that asks for a new nonce forever costs two requests, not a loop.
 */
import * as oauth from 'oauth4webapi';
import { findChallenge } from '../challenges/index.js';

/** A 401 whose `DPoP` challenge asks for a nonce it also provides (RFC 9449 §9). */
export function asksForNonce(response: Response): boolean {
  return (
    response.status === 401 &&
    response.headers.has('dpop-nonce') &&
    findChallenge(response.headers, 'DPoP')?.params.error === 'use_dpop_nonce'
  );
}

async function sendOnce(
  send: typeof fetch,
  request: Request,
  token: string,
  dpop: oauth.DPoPHandle,
): Promise<Response> {
  const url = new URL(request.url);
  const headers = new Headers(request.headers);
  // oauth4webapi sets both; anything the caller put there would be a second credential.
  headers.delete('authorization');
  headers.delete('dpop');
  try {
    return await oauth.protectedResourceRequest(token, request.method, url, headers, request.body, {
      DPoP: dpop,
      signal: request.signal,
      // Only allowed resources get here, and an http: one was vetted when the fetch was created.
      [oauth.allowInsecureRequests]: url.protocol === 'http:',
      [oauth.customFetch]: (href, init) => send(new Request(href, init as RequestInit)),
    });
  } catch (error) {
    // oauth4webapi turns every challenge into an error; the step-up fetch reads the response itself.
    if (error instanceof oauth.WWWAuthenticateChallengeError) return error.response;
    throw error;
  }
}

/**
 * Sends `request` (redirects not followed) with `token` and a proof by `dpop`; once more with
 * the server's nonce if it asks for one.
 */
export async function sendWithProof(
  send: typeof fetch,
  request: Request,
  token: string,
  dpop: oauth.DPoPHandle,
): Promise<Response> {
  const spare = request.clone(); // tees the body, for the one retry with a nonce
  const first = await sendOnce(send, request, token, dpop);
  if (!asksForNonce(first)) {
    spare.body?.cancel().catch(() => {});
    return first;
  }
  first.body?.cancel().catch(() => {});
  return sendOnce(send, spare, token, dpop);
}
