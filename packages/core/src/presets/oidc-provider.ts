/**
 * `oidc-provider` (panva) and any other RFC 9068 authorization server: header
 * `typ: at+jwt`, claims `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti` (RFC 9068 §2.2),
 * `scope` a string (§2.2.3). These are the gate's defaults; the preset states them explicitly
 * so that a multi-issuer gate keeps them for this issuer. `oidc-provider` serves its keys at
 * `{issuer}/jwks` unless its `routes.jwks` says otherwise.
 */
import { RFC9068_REQUIRED_CLAIMS } from '../verify/claims.js';
import type { IssuerOptions } from '../verify/options.js';
import { audienceList, baseUrl, object } from './common.js';

/** Options of {@link rfc9068}. */
export interface Rfc9068Options {
  /** The issuer identifier, exactly as the tokens carry it. */
  readonly issuer: string;
  /** Where the keys are served. Default: `{issuer}/jwks` (`oidc-provider`'s default route). */
  readonly jwksUri?: string;
  /** Accepted `aud` values. Default: the gate's `audience`. */
  readonly audience?: string | readonly string[];
}

/**
 * Issuer options for any RFC 9068 authorization server, `oidc-provider` among them: the gate's
 * defaults, stated per issuer so that they hold in a gate with other issuers.
 *
 * @throws ConfigurationError naming the `rfc9068()` option at fault.
 */
export function rfc9068(options: Rfc9068Options): IssuerOptions {
  const given = object('rfc9068()', options);
  const base = baseUrl('rfc9068().issuer', given.issuer, 'https://as.example.com');
  const jwksUri =
    given.jwksUri === undefined
      ? `${base}/jwks`
      : baseUrl('rfc9068().jwksUri', given.jwksUri, 'https://as.example.com/jwks');
  return {
    issuer: given.issuer as string,
    jwksUri,
    ...(given.audience !== undefined
      ? { audience: audienceList('rfc9068().audience', given.audience, "'https://api.example.com'") }
      : {}),
    tokenTypes: ['at+jwt'],
    requiredClaims: RFC9068_REQUIRED_CLAIMS,
    scopes: ['scope'],
  };
}

/** `rfc9068()` under the name of the authorization server this project tests against. */
export const oidcProvider = rfc9068;
