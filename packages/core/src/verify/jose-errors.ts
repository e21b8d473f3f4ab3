/**
 * `jose` errors, sorted into this library's fixed refusals. Only the stable `code` and the
 * `claim` name are read: `jose`'s messages never travel further.
 */
import type { RefusalCode } from '../challenge/codes.js';

export function refusalForJoseError(error: unknown): RefusalCode | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, claim, reason } = error as { code?: unknown; claim?: unknown; reason?: unknown };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token_expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      // A missing required claim is `token_claims`, as it is for every other required claim
      // and for a token without `iss` when several issuers are trusted.
      if (reason === 'missing') return 'token_claims';
      if (claim === 'iss') return 'token_issuer';
      if (claim === 'aud') return 'token_audience';
      // A time claim of the wrong type is `invalid`; one in the future failed its check.
      if ((claim === 'nbf' || claim === 'iat') && reason === 'check_failed') return 'token_not_yet_valid';
      return 'token_claims';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token_signature';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'token_algorithm';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'token_key_unknown';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWE_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED': // an unknown `crit` extension, a key type the token cannot use
      return 'token_malformed';
    default:
      return undefined;
  }
}
