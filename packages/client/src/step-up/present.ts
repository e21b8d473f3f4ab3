/**
 * Sends a request to an allowed resource with the credential it should carry: nothing, a Bearer
 * token in `Authorization` (RFC 6750 §2.1), or a DPoP-bound token with a fresh proof for every
 * hop that stays within the resource (RFC 9449 §7.1), never beyond it.
 */

import type { DpopKey } from '../dpop/key.js';
import { sendWithProof } from '../dpop/send.js';
import { type Sent, sendWithin } from './send-within.js';
import type { Credential } from './token.js';
import type { TokenType } from './types.js';

/** The scheme whose challenge answers a request sent with `credential` (RFC 9449 §7.1: the one used). */
export const schemeOf = (credential: Credential | undefined): TokenType => credential?.tokenType ?? 'Bearer';

export async function present(
  send: typeof fetch,
  request: Request,
  credential: Credential | undefined,
  mayCarryToken: (url: URL) => boolean,
  dpop: DpopKey | undefined,
): Promise<Sent> {
  if (credential === undefined) return sendWithin(send, request, mayCarryToken);
  if (credential.tokenType === 'Bearer') {
    request.headers.set('authorization', `Bearer ${credential.accessToken}`);
    return sendWithin(send, request, mayCarryToken);
  }
  // checkBaseline and the elevation refuse a DPoP token when there is no key; this is the last guard.
  if (dpop === undefined) throw new TypeError('a DPoP token without a DPoP key');
  const handle = await dpop.handle();
  request.headers.delete('authorization');
  return sendWithin(send, request, mayCarryToken, (hop) => sendWithProof(send, hop, credential.accessToken, handle));
}
