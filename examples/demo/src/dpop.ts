/**
 * DPoP (RFC 9449) requests the demo makes by hand, next to the step-up fetch: the client's own
 * calls with its key, and an attacker's replays of a copied token, with no key or with his own.
 * Proofs are made by oauth4webapi.
 */
import * as oauth from 'oauth4webapi';

const insecure = { [oauth.allowInsecureRequests]: true };

/** Sends `token` as DPoP with a proof by `dpop`; a refusal is returned, not thrown. */
export async function sendWithKey(
  dpop: oauth.DPoPHandle,
  token: string,
  method: string,
  url: string,
): Promise<Response> {
  try {
    return await oauth.protectedResourceRequest(token, method, new URL(url), undefined, undefined, {
      ...insecure,
      DPoP: dpop,
    });
  } catch (error) {
    if (error instanceof oauth.WWWAuthenticateChallengeError) return error.response;
    throw error;
  }
}

/** What an attacker who copied `token` (but not the key) can do with it. */
export async function replayWithoutKey(token: string, method: string, url: string) {
  const asBearer = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
  // His own key: a valid proof, but not by the key the token is bound to (its cnf.jkt).
  const ownKey = oauth.DPoP({}, await oauth.generateKeyPair('ES256'));
  const withOwnKey = await sendWithKey(ownKey, token, method, url);
  return { asBearer, withOwnKey };
}
