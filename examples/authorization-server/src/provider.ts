/**
 * The oidc-provider configuration: RFC 9068 JWT access tokens for registered resources
 * (RFC 8707 resource indicators), baseline tokens by client credentials, elevated tokens by
 * CIBA (poll mode) carrying RFC 9396 authorization details, `acr` and `auth_time`, with a
 * short lifetime. A token request with a DPoP proof (RFC 9449 §5), by either grant, gets a token
 * bound to the proof's key: `token_type` DPoP and `cnf.jkt` in the JWT (§6.1).
 */
import { randomBytes } from 'node:crypto';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { createMemoryAdapter } from './adapter.js';
import {
  type AuthorizationDetail,
  type AuthorizationDetailsTypes,
  detailsOf,
  InvalidAuthorizationDetails,
  rawAuthorizationDetails,
  requestedAuthorizationDetails,
} from './authorization-details.js';
import { recordIssuedJwts } from './issued-jwts.js';

export const MFA = 'urn:actiongate:mfa';
export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

export interface ProviderSettings {
  readonly issuer: string;
  /** The private signing keys (JWK). */
  readonly keys: Record<string, unknown>[];
  /** Resource identifier → the scopes it accepts. */
  readonly resources: Readonly<Record<string, readonly string[]>>;
  readonly clients: Configuration['clients'];
  /**
   * Client id → the only scopes it may get by client credentials, with no user involved.
   * A client not listed gets none; anything more needs a user's CIBA approval.
   */
  readonly clientCredentialsScopes: ReadonlyMap<string, readonly string[]>;
  /** Client id → the RFC 9396 authorization details types it may request. A client not listed: none. */
  readonly authorizationDetailsTypes: ReadonlyMap<string, readonly string[]>;
  readonly isUser: (accountId: string) => boolean;
  /** Seconds: baseline and elevated access token lifetimes, and how long a user has to approve. */
  readonly baselineTtl: number;
  readonly elevatedTtl: number;
  readonly approvalTtl: number;
  /** Called for each CIBA request once it is stored, with the details it asks for; may throw an OAuth error to refuse it. */
  readonly onBackchannelRequest: (
    ctx: KoaContextWithOIDC,
    request: InstanceType<Provider['BackchannelAuthenticationRequest']>,
    authorizationDetails: AuthorizationDetail[] | undefined,
  ) => Promise<void>;
  /** Called before a CIBA request is stored: the place to refuse (rate limit) without prompting. */
  readonly admitBackchannelRequest: (accountId: string, clientId: string) => void;
  /** RFC 9449 §8: require a nonce of the server's in every DPoP proof at the token endpoint. */
  readonly dpopNonces: boolean;
  /** Client id → the resource it serves: it may introspect (RFC 7662) the tokens for that resource only. */
  readonly introspectors: ReadonlyMap<string, string>;
}

/** RFC 9396 types this server knows, each with its own check beyond the common fields. */
const AUTHORIZATION_DETAILS_TYPES: AuthorizationDetailsTypes = {
  payment_refund(detail) {
    const { actions, identifier } = detail;
    if (!Array.isArray(actions) || typeof identifier !== 'string') {
      throw new InvalidAuthorizationDetails('payment_refund needs actions and an identifier');
    }
  },
};

const isCiba = (ctx: KoaContextWithOIDC) => ctx.oidc.params?.grant_type === CIBA_GRANT;
const isClientCredentials = (ctx: KoaContextWithOIDC) => ctx.oidc.params?.grant_type === 'client_credentials';

export function createProvider(settings: ProviderSettings): Provider {
  // RFC 9396 for CIBA: authorization-details.ts says why this is not oidc-provider 8's own feature.
  const requested = (ctx: KoaContextWithOIDC) =>
    requestedAuthorizationDetails(
      ctx,
      AUTHORIZATION_DETAILS_TYPES,
      settings.authorizationDetailsTypes.get(ctx.oidc.client?.clientId ?? '') ?? [],
    );
  const adapter = createMemoryAdapter();
  const configuration: Configuration = {
    adapter,
    clients: settings.clients,
    jwks: { keys: settings.keys as never },
    // Koa signs the provider's cookies with these; a fresh secret per server, as the demo keeps no state.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid'],
    acrValues: [MFA],
    findAccount: (_ctx, id) => (settings.isUser(id) ? { accountId: id, claims: () => ({ sub: id }) } : undefined),
    ttl: {
      AccessToken: (ctx) => (isCiba(ctx) ? settings.elevatedTtl : settings.baselineTtl),
      ClientCredentials: settings.baselineTtl,
      BackchannelAuthenticationRequest: settings.approvalTtl,
      IdToken: settings.elevatedTtl,
      Grant: settings.approvalTtl * 10,
    },
    // RFC 9396 §10: the types this server supports, in its metadata.
    discovery: { authorization_details_types_supported: Object.keys(AUTHORIZATION_DETAILS_TYPES) },
    formats: {
      customizers: {
        // RFC 9396 §9.1: the approved token carries exactly the details the user approved.
        jwt(ctx, token, jwt) {
          const grant = ctx.oidc.entities.Grant;
          const details =
            isCiba(ctx) && 'grantId' in token && grant?.jti === token.grantId ? detailsOf(grant) : undefined;
          if (details !== undefined) jwt.payload.authorization_details = details;
          return jwt;
        },
      },
    },
    // RFC 9470: the elevated token says how and when the user authenticated for it.
    extraTokenClaims(ctx) {
      const request = ctx.oidc.entities.BackchannelAuthenticationRequest;
      if (request === undefined) return undefined;
      return { acr: request.acr, auth_time: request.authTime };
    },
    features: {
      devInteractions: { enabled: false },
      // RFC 9449: a proof on the token request binds the token; without one, Bearer as before.
      dPoP: {
        enabled: true,
        ...(settings.dpopNonces ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}),
      },
      clientCredentials: { enabled: true },
      // RFC 7662: a resource server learns whether a token is still active, e.g. after RFC 7009
      // revoked it; it may ask about the tokens for its own resource only.
      introspection: {
        enabled: true,
        allowedPolicy(_ctx, client, token) {
          const resource = settings.introspectors.get(client.clientId);
          const audience = (token as { aud?: string | string[] }).aud;
          return resource !== undefined && (Array.isArray(audience) ? audience : [audience]).includes(resource);
        },
      },
      // RFC 7009: a client revokes its own tokens (oidc-provider refuses another client's).
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // CIBA: the token is for the resource named in the backchannel request.
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, resource, client) {
          // Details are granted by a user through CIBA only: a token request naming them is refused
          // rather than answered with a token that silently lacks them.
          if (ctx.oidc.route === 'token' && rawAuthorizationDetails(ctx) !== undefined) {
            throw new errors.InvalidRequest('authorization_details is unsupported at the token endpoint');
          }
          const accepted = settings.resources[resource];
          if (accepted === undefined) throw new errors.InvalidTarget();
          // Without a user, a client gets only its baseline: requested scopes outside it are
          // dropped from the token (RFC 6749 §3.3 lets the server issue less than asked).
          const allowed = settings.clientCredentialsScopes.get(client.clientId) ?? [];
          const scopes = isClientCredentials(ctx) ? accepted.filter((scope) => allowed.includes(scope)) : accepted;
          return {
            scope: scopes.join(' '),
            audience: resource,
            accessTokenTTL: isCiba(ctx) ? settings.elevatedTtl : settings.baselineTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      ciba: {
        enabled: true,
        deliveryModes: ['poll'],
        processLoginHint: (_ctx, loginHint) =>
          loginHint !== undefined && settings.isUser(loginHint) ? loginHint : undefined,
        processLoginHintToken: () => undefined,
        // Called once the client is authenticated and before anything is stored: where the
        // request's authorization details are checked (oidc-provider 8 does not look at them).
        validateRequestContext(ctx) {
          requested(ctx);
        },
        // CIBA §7.1: shown to the user; free text, bounded.
        validateBindingMessage(_ctx, message) {
          if (message !== undefined && (message.length > 120 || !/^[\x20-\x7e]*$/.test(message))) {
            throw new errors.InvalidBindingMessage('binding_message must be up to 120 printable ASCII characters');
          }
        },
        verifyUserCode(ctx) {
          // oidc-provider has loaded the hinted account by now (lib/actions/authorization/ciba_load_account.js).
          const accountId = ctx.oidc.account?.accountId;
          if (accountId === undefined) throw new errors.UnknownUserId('could not identify end-user');
          settings.admitBackchannelRequest(accountId, ctx.oidc.client?.clientId ?? '');
        },
        triggerAuthenticationDevice: (ctx, request) => settings.onBackchannelRequest(ctx, request, requested(ctx)),
      },
    },
  };
  const provider = new Provider(settings.issuer, configuration);
  recordIssuedJwts(provider, adapter);
  return provider;
}
