/**
 * Okta, custom authorization server (API Access Management). Access tokens
 * (https://developer.okta.com/docs/reference/api/oidc/#access-token; a decoded example:
 * https://groups.google.com/g/rabbitmq-users/c/O3GdCKf8soM/m/ZsjMcizrAgAJ) have a header with
 * `kid` and `alg` and no `typ`; claims `ver: 1`, `jti` (`AT.…`), `iss`
 * (`https://{domain}/oauth2/{authorizationServerId}`), `aud`, `sub`, `iat`, `exp`, the client
 * in `cid`, the user in `uid` (absent for client credentials), scopes in the `scp` array.
 * Keys: `{issuer}/v1/keys`. Tokens of the org authorization server (`https://{domain}`) are
 * meant for Okta's own APIs only and cannot be verified by a resource server.
 */
import type { IssuerOptions } from '../verify/options.js';
import { audienceList, hostName, object, segment } from './common.js';

/** Options of {@link okta}. */
export interface OktaOptions {
  /** The Okta domain, e.g. `my-org.okta.com`. */
  readonly domain: string;
  /** The custom authorization server's id. Default `default`. */
  readonly authorizationServerId?: string;
  /** The authorization server's audience, e.g. `api://default`. */
  readonly audience: string | readonly string[];
}

/**
 * Issuer options for an Okta custom authorization server. Tokens of the org authorization server
 * cannot be verified by a resource server and are not supported.
 *
 * @throws ConfigurationError naming the `okta()` option at fault.
 */
export function okta(options: OktaOptions): IssuerOptions {
  const given = object('okta()', options);
  const domain = hostName('okta().domain', given.domain, 'my-org.okta.com');
  const server = segment(
    'okta().authorizationServerId',
    given.authorizationServerId ?? 'default',
    "'default' or 'aus1a2b3c4d5e6f7g8h9'",
  );
  const issuer = `https://${domain}/oauth2/${server}`;
  return {
    issuer,
    jwksUri: `${issuer}/v1/keys`,
    audience: audienceList('okta().audience', given.audience, "'api://default'"),
    // A deliberate deviation from RFC 9068 §4: Okta's access tokens carry no typ header.
    tokenTypes: [null],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'cid', 'jti'],
    clientIdClaim: 'cid',
    scopes: ['scp'],
  };
}
