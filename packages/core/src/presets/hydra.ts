/**
 * Ory Hydra (and Ory Network) with `strategies.access_token: jwt`. Its JWT access tokens
 * (fosite's JWT strategy; https://www.ory.sh/docs/hydra/jwks and
 * https://github.com/ory/hydra/issues/3524) carry header `typ: JWT` and claims `iss`, `sub`,
 * `aud` (an array: the audiences the client requested, empty if none), `exp`, `iat`, `nbf`,
 * `jti`, `client_id`, `ext`, and scopes in `scp`, an array (`strategies.jwt.scope_claim: list`,
 * the default; `string` puts a space-delimited `scope` instead, `both` both). Keys:
 * `{issuer}/.well-known/jwks.json`.
 */
import type { IssuerOptions } from '../verify/options.js';
import { audienceList, baseUrl, object } from './common.js';

/** Options of {@link hydra}. */
export interface HydraOptions {
  /** Hydra's `urls.self.issuer`, exactly as its tokens carry it (often with a trailing slash). */
  readonly issuer: string;
  /** Accepted `aud` values; clients must request one. Default: the gate's `audience`. */
  readonly audience?: string | readonly string[];
}

/**
 * Issuer options for Ory Hydra or Ory Network issuing JWT access tokens. The issuer is compared
 * exactly as given, trailing slash included.
 *
 * @throws ConfigurationError naming the `hydra()` option at fault.
 */
export function hydra(options: HydraOptions): IssuerOptions {
  const given = object('hydra()', options);
  const base = baseUrl('hydra().issuer', given.issuer, 'https://auth.example.com/');
  return {
    issuer: given.issuer as string, // exactly as configured: `iss` is compared as a string
    jwksUri: `${base}/.well-known/jwks.json`,
    ...(given.audience !== undefined
      ? { audience: audienceList('hydra().audience', given.audience, "'https://api.example.com'") }
      : {}),
    // A deliberate deviation from RFC 9068 §4: fosite signs access tokens with typ JWT.
    tokenTypes: ['JWT'],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
    scopes: ['scp', 'scope'],
  };
}
