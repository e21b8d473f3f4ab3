/**
 * ZITADEL, with the application's "Auth Token Type" set to JWT (otherwise its access tokens
 * are opaque and need introspection). Claims of a JWT access token
 * (https://zitadel.com/docs/apis/openidoauth/claims): `iss` (the instance URL, no trailing
 * slash), `sub`, `aud` (the project id and the client ids), `exp`, `iat`, `jti`, `client_id`,
 * and no `scope`: roles come in `urn:zitadel:iam:org:project:roles` (or
 * `urn:zitadel:iam:org:project:{projectId}:roles`) as an object `{ role: { orgId: domain } }`
 * when the project asserts roles. ZITADEL's documentation does not state the header's `typ`,
 * so both `JWT` and none are accepted; ID tokens carry no `jti` and `client_id`, which are
 * required here. Keys: `{issuer}/oauth/v2/keys`.
 */
import type { JWTPayload } from 'jose';
import type { ScopeReader } from '../scopes/index.js';
import type { IssuerOptions } from '../verify/options.js';
import { audienceList, baseUrl, object, segment } from './common.js';

/** Options of {@link zitadel}. */
export interface ZitadelOptions {
  /** The instance URL, e.g. `https://my-instance.zitadel.cloud`. */
  readonly url: string;
  /** The project id: the audience, and whose role claim is read. */
  readonly projectId: string;
  /** Accepted `aud` values. Default: `projectId`. */
  readonly audience?: string | readonly string[];
}

/** The role keys of a ZITADEL roles claim, read as scopes. */
export function zitadelRoles(claim: string): ScopeReader {
  return (claims: JWTPayload) => {
    const roles = claims[claim];
    if (roles === undefined) return undefined;
    if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) return null; // refused
    return Object.keys(roles);
  };
}

/**
 * Issuer options for a ZITADEL instance whose application issues JWT access tokens. Scopes are
 * the project's role keys, as ZITADEL puts no `scope` in access tokens.
 *
 * @throws ConfigurationError naming the `zitadel()` option at fault.
 */
export function zitadel(options: ZitadelOptions): IssuerOptions {
  const given = object('zitadel()', options);
  const issuer = baseUrl('zitadel().url', given.url, 'https://my-instance.zitadel.cloud');
  const projectId = segment('zitadel().projectId', given.projectId, "'344374183645413380'", /^\d{1,32}$/);
  return {
    issuer,
    jwksUri: `${issuer}/oauth/v2/keys`,
    audience: audienceList('zitadel().audience', given.audience ?? projectId, 'the project id'),
    // Not RFC 9068 (no at+jwt): see above.
    tokenTypes: ['JWT', null],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
    scopes: zitadelRoles(`urn:zitadel:iam:org:project:${projectId}:roles`),
  };
}
