/**
 * Microsoft Entra ID (Azure AD). Access tokens
 * (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference) carry
 * header `typ: JWT` ("always JWT") and, by version (the API's `accessTokenAcceptedVersion`):
 * - v1.0: `iss` `https://sts.windows.net/{tenantId}/` (trailing slash), `ver: "1.0"`, the client
 *   in `appid`;
 * - v2.0: `iss` `https://login.microsoftonline.com/{tenantId}/v2.0`, `ver: "2.0"`, the client in
 *   `azp`; `aud` is always the API's application (client) id.
 * Both: delegated scopes in `scp`, a space-delimited string; application permissions (client
 * credentials) in `roles`, an array; the token id in `uti`, not `jti`. Keys:
 * `https://login.microsoftonline.com/{tenantId}/discovery/v2.0/keys` (v1.0: `/discovery/keys`).
 *
 * Scopes come from `scp` when present, else from `roles`: a delegated token's `roles` are the
 * user's app roles, which are not the client's grant, so they are read only when `scp` is absent.
 */
import { ConfigurationError } from '../errors.js';
import type { IssuerOptions } from '../verify/options.js';
import { audienceList, object, oneOf } from './common.js';

/** Options of {@link entraId}. */
export interface EntraIdOptions {
  /** The directory (tenant) id, a GUID. Multi-tenant apps list one issuer per tenant. */
  readonly tenantId: string;
  /** The API's application (client) id, or for v1.0 tokens its App ID URI (`api://…`). */
  readonly audience: string | readonly string[];
  /** The access token version the API accepts (`accessTokenAcceptedVersion`). Default 2. */
  readonly version?: 1 | 2;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Issuer options for one Microsoft Entra ID tenant, for v1.0 or v2.0 access tokens. Scopes
 * come from `scp`, or from `roles` for application (client credentials) tokens.
 *
 * @throws ConfigurationError naming the `entraId()` option at fault.
 */
export function entraId(options: EntraIdOptions): IssuerOptions {
  const given = object('entraId()', options);
  const tenantId = given.tenantId;
  if (typeof tenantId !== 'string' || !GUID.test(tenantId)) {
    throw new ConfigurationError(
      'entraId().tenantId',
      "must be the directory (tenant) id, a GUID; 'common' and 'organizations' name no single issuer, so list one entraId() per tenant",
    );
  }
  const tenant = tenantId.toLowerCase();
  const version = oneOf('entraId().version', given.version, [1, 2] as const, 2);
  const audience = audienceList('entraId().audience', given.audience, "the API's application (client) id");
  const common = {
    audience,
    // A deliberate deviation from RFC 9068 §4: Entra ID's access tokens carry typ JWT.
    tokenTypes: ['JWT'],
    scopes: ['scp', 'roles'],
    tokenIdClaim: 'uti',
  } as const;
  if (version === 1) {
    return {
      ...common,
      issuer: `https://sts.windows.net/${tenant}/`,
      jwksUri: `https://login.microsoftonline.com/${tenant}/discovery/keys`,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'appid', 'ver'],
      clientIdClaim: 'appid',
      claimValues: { ver: '1.0' },
    };
  }
  return {
    ...common,
    issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
    jwksUri: `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'azp', 'ver'],
    clientIdClaim: 'azp',
    claimValues: { ver: '2.0' },
  };
}
