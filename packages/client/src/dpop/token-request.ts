/**
 * Token requests with a DPoP proof (RFC 9449 §5), for the step-ups: oauth4webapi signs the proof
 * and keeps the authorization server's nonce; a `use_dpop_nonce` answer (§8) is retried once with
 * it, and a token that comes back as Bearer when a proof was sent is refused rather than used as a
 * weaker one.
 */
import * as oauth from 'oauth4webapi';
import { StepUpError } from '../step-up/errors.js';

/**
 * Runs `attempt` (a token request and the processing of its response); when a proof was sent and
 * the server asks for a nonce, runs it once more (the handle has cached the nonce by then).
 */
export async function withNonceRetry<T>(dpop: oauth.DPoPHandle | undefined, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (dpop === undefined || !oauth.isDPoPNonceError(error)) throw error;
    return attempt();
  }
}

/** RFC 9449 §5: a proof was sent, so the token must be `token_type` DPoP; else `token_not_bound`. */
export function checkBound(response: oauth.TokenEndpointResponse, dpop: oauth.DPoPHandle | undefined): void {
  if (dpop !== undefined && response.token_type !== 'dpop') {
    throw new StepUpError(
      'token_not_bound',
      `the authorization server issued a ${response.token_type} token to a request with a DPoP proof (RFC 9449 §5)`,
    );
  }
}
