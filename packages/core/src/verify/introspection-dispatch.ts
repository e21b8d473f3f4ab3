/**
 * Which verifier a token goes to: a JWS compact serialization to the JWT verifier (and its
 * cache), anything else to the one issuer that introspects opaque tokens. Without such an
 * issuer every token goes to the JWT verifier, which refuses what is not a JWT, as before.
 */
import { ConfigurationError, TokenRejectedError } from '../errors.js';
import type { VerifiedToken, Verifier, VerifierOptions } from './index.js';
import { Introspector } from './introspection.js';
import { effectiveRules } from './issuer-checks.js';
import { verificationKey } from './keys.js';

/**
 * What an introspection response must carry unless the issuer sets its own `requiredClaims`:
 * `exp`, so that no answer is kept past it, and `aud`, checked against this resource.
 */
export const INTROSPECTION_REQUIRED_CLAIMS = Object.freeze(['exp', 'aud']);

/**
 * RFC 7515 §7.1: three base64url parts, the first a JSON object (`{"` encodes as `eyJ`). Opaque
 * tokens may hold dots (Ory's `ory_at_….…`), so the dots alone do not decide.
 */
export function looksLikeJwt(token: string): boolean {
  if (!token.startsWith('eyJ')) return false;
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  return second !== -1 && token.indexOf('.', second + 1) === -1;
}

/** One introspector per issuer that has `introspection`, by issuer. */
export function createIntrospectors(options: VerifierOptions): ReadonlyMap<string, Introspector> {
  const introspectors = new Map<string, Introspector>();
  for (const [i, issuer] of options.issuers.entries()) {
    const config = issuer.introspection;
    if (config === undefined) continue;
    if (introspectors.size > 0) {
      throw new ConfigurationError(
        `issuers[${i}].introspection`,
        'is set on a second issuer: an opaque token does not say who issued it, and sending it to ' +
          'another server would leak it; configure introspection on one issuer only',
      );
    }
    const rules = effectiveRules(issuer, {
      ...options,
      requiredClaims: issuer.rules.requiredClaims ?? INTROSPECTION_REQUIRED_CLAIMS,
    });
    introspectors.set(
      issuer.issuer,
      new Introspector({
        issuer: issuer.issuer,
        config,
        rules,
        // Fetched only if an RFC 9701 response needs it.
        key: verificationKey(issuer.keys, options.now),
        algorithms: issuer.algorithms,
        clockTolerance: options.clockTolerance,
        now: options.now,
      }),
    );
  }
  return introspectors;
}

/** `jwt` for JWTs; opaque tokens to `opaque`, after the same size limit. */
export function withIntrospection(jwt: Verifier, opaque: Introspector, maxTokenBytes: number): Verifier {
  return function dispatch(token: string): VerifiedToken | Promise<VerifiedToken> {
    if (looksLikeJwt(token)) return jwt(token);
    // Refused before anything is sent: an oversized token costs the authorization server nothing.
    if (token.length > maxTokenBytes) throw new TokenRejectedError('token_too_large');
    return opaque.verify(token);
  };
}
