/**
 * Keycloak. Access tokens (a decoded example: https://gist.github.com/phacman/bd288c7abac1d3fc1694b7e191e27e4c)
 * carry header `typ: JWT`; in the payload `typ: "Bearer"` (ID tokens say `ID`, refresh tokens
 * `Refresh`), `iss` `{url}/realms/{realm}`, `aud` (`account` unless an audience mapper adds the
 * API), `sub`, `jti`, the client in `azp`, `scope` a string, realm roles in
 * `realm_access.roles` and client roles in `resource_access.{client}.roles`. Keys:
 * `{issuer}/protocol/openid-connect/certs`.
 */
import type { JWTPayload } from 'jose';
import type { ScopeReader } from '../scopes/index.js';
import type { IssuerOptions } from '../verify/options.js';
import { audienceList, baseUrl, object, oneOf, segment } from './common.js';

/** Options of {@link keycloak}. */
export interface KeycloakOptions {
  /** The server's base URL, with its context path if any, e.g. `https://sso.example.com` or `https://sso.example.com/auth`. */
  readonly url: string;
  readonly realm: string;
  /** Accepted `aud` values; add them with an audience mapper. Default: the gate's `audience`. */
  readonly audience?: string | readonly string[];
  /** `scope` (default), or `realm_roles` for `realm_access.roles`. */
  readonly scopesFrom?: 'scope' | 'realm_roles';
}

/** `realm_access.roles`; `null` (the token is refused) when either is of the wrong type. */
export const keycloakRealmRoles: ScopeReader = (claims: JWTPayload) => {
  const access = claims.realm_access;
  if (access === undefined) return undefined;
  if (typeof access !== 'object' || access === null || Array.isArray(access)) return null;
  const roles = (access as { roles?: unknown }).roles;
  if (roles === undefined) return undefined;
  return Array.isArray(roles) && roles.every((role) => typeof role === 'string') ? roles : null;
};

/**
 * Issuer options for one Keycloak realm. Keycloak's `aud` is `account` unless an audience mapper
 * adds the API, so add one (or set `audience`).
 *
 * @throws ConfigurationError naming the `keycloak()` option at fault.
 */
export function keycloak(options: KeycloakOptions): IssuerOptions {
  const given = object('keycloak()', options);
  const url = baseUrl('keycloak().url', given.url, 'https://sso.example.com');
  const realm = segment('keycloak().realm', given.realm, "'my-realm'");
  const scopesFrom = oneOf('keycloak().scopesFrom', given.scopesFrom, ['scope', 'realm_roles'] as const, 'scope');
  const issuer = `${url}/realms/${realm}`;
  return {
    issuer,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    ...(given.audience !== undefined
      ? { audience: audienceList('keycloak().audience', given.audience, "'my-api'") }
      : {}),
    // A deliberate deviation from RFC 9068 §4: Keycloak signs access tokens with typ JWT; its
    // payload `typ: Bearer` keeps ID and refresh tokens out.
    tokenTypes: ['JWT'],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'azp', 'jti', 'typ'],
    claimValues: { typ: 'Bearer' },
    clientIdClaim: 'azp',
    scopes: scopesFrom === 'scope' ? ['scope'] : keycloakRealmRoles,
  };
}
