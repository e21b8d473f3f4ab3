/**
 * Auth0. Access tokens for an API (requested with `audience`) are JWTs in one of two
 * profiles (https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles):
 * - the Auth0 profile (default; dialects `access_token` and `access_token_authz`): header
 *   `typ: JWT`; `iss` is `https://{domain}/` WITH a trailing slash; `aud` an array holding the
 *   API identifier and `https://{domain}/userinfo`; the client in `azp`; `scope` a string; no
 *   `jti`; with RBAC's "Add Permissions in the Access Token", a `permissions` array;
 * - the RFC 9068 profile (`rfc9068_profile`, `rfc9068_profile_authz`): `client_id` and `jti`.
 * Keys: `https://{domain}/.well-known/jwks.json`.
 *
 * Scopes come from `scope` by default: with RBAC on, Auth0 sets it to the requested
 * permissions the user holds (https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis),
 * whereas `permissions` lists every permission the user holds, asked for or not.
 */
import { RFC9068_REQUIRED_CLAIMS } from '../verify/claims.js';
import type { IssuerOptions } from '../verify/options.js';
import { audienceList, hostName, object, oneOf } from './common.js';

/** Options of {@link auth0}. */
export interface Auth0Options {
  /** The tenant's domain or custom domain, e.g. `my-tenant.eu.auth0.com`. */
  readonly domain: string;
  /** The API's identifier (the `audience` clients request), e.g. `https://api.example.com`. */
  readonly audience: string | readonly string[];
  /** The API's access token profile. Default `auth0`. */
  readonly profile?: 'auth0' | 'rfc9068';
  /** `scope` (default), or `permissions` for RBAC's permissions claim. */
  readonly scopesFrom?: 'scope' | 'permissions';
}

/**
 * Issuer options for an Auth0 tenant (see the module notes on its two token profiles).
 *
 * @throws ConfigurationError naming the `auth0()` option at fault.
 */
export function auth0(options: Auth0Options): IssuerOptions {
  const given = object('auth0()', options);
  const domain = hostName('auth0().domain', given.domain, 'my-tenant.eu.auth0.com');
  const audience = audienceList('auth0().audience', given.audience, "'https://api.example.com' (the API identifier)");
  const profile = oneOf('auth0().profile', given.profile, ['auth0', 'rfc9068'] as const, 'auth0');
  const scopesFrom = oneOf('auth0().scopesFrom', given.scopesFrom, ['scope', 'permissions'] as const, 'scope');
  const common = {
    issuer: `https://${domain}/`,
    jwksUri: `https://${domain}/.well-known/jwks.json`,
    audience,
    scopes: [scopesFrom],
  };
  if (profile === 'rfc9068') return { ...common, tokenTypes: ['at+jwt'], requiredClaims: RFC9068_REQUIRED_CLAIMS };
  return {
    ...common,
    // A deliberate deviation from RFC 9068 §4: Auth0-profile tokens carry typ JWT. Auth0 ID
    // tokens carry it too but are kept out by their audience, which is the client's id.
    tokenTypes: ['JWT'],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'azp'],
    clientIdClaim: 'azp',
  };
}
