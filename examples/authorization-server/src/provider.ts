/**
 * The oidc-provider configuration: RFC 9068 JWT access tokens for registered resources
 * (RFC 8707 resource indicators), baseline tokens by client credentials, elevated tokens by
 * CIBA (poll mode) carrying RFC 9396 authorization details, `acr` and `auth_time`, with a
 * short lifetime.
 */
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { createMemoryAdapter } from './adapter.js';

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
  readonly isUser: (accountId: string) => boolean;
  /** Seconds: baseline and elevated access token lifetimes, and how long a user has to approve. */
  readonly baselineTtl: number;
  readonly elevatedTtl: number;
  readonly approvalTtl: number;
  /** Called for each CIBA request once it is stored; may throw an OAuth error to refuse it. */
  readonly onBackchannelRequest: (
    ctx: KoaContextWithOIDC,
    request: InstanceType<Provider['BackchannelAuthenticationRequest']>,
  ) => Promise<void>;
  /** Called before a CIBA request is stored: the place to refuse (rate limit) without prompting. */
  readonly admitBackchannelRequest: (accountId: string, clientId: string) => void;
}

const isCiba = (ctx: KoaContextWithOIDC) => ctx.oidc.params?.grant_type === CIBA_GRANT;
const isClientCredentials = (ctx: KoaContextWithOIDC) => ctx.oidc.params?.grant_type === 'client_credentials';

export function createProvider(settings: ProviderSettings): Provider {
  const configuration: Configuration = {
    adapter: createMemoryAdapter(),
    clients: settings.clients,
    jwks: { keys: settings.keys as never },
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
    // RFC 9470: the elevated token says how and when the user authenticated for it.
    extraTokenClaims(ctx) {
      const request = ctx.oidc.entities.BackchannelAuthenticationRequest;
      if (request === undefined) return undefined;
      return { acr: request.acr, auth_time: request.authTime };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // CIBA: the token is for the resource named in the backchannel request.
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, resource, client) {
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
      richAuthorizationRequests: {
        enabled: true,
        types: {
          payment_refund: {
            validate(_ctx, detail) {
              const { actions, identifier } = detail as { actions?: unknown; identifier?: unknown };
              const valid =
                Array.isArray(actions) && actions.every((a) => typeof a === 'string') && typeof identifier === 'string';
              if (!valid)
                throw new errors.InvalidAuthorizationDetails('payment_refund needs actions and an identifier');
            },
          },
        },
        // Policy: the approved token carries exactly the details the user approved.
        authorizationDetailsForAccessToken: (_ctx, _token, source) =>
          (source as { rar?: unknown } | undefined)?.rar as never,
        authorizationDetailsForGrantSource: (_ctx, source) => (source as { rar?: unknown }).rar as never,
        authorizationDetailsForIntrospection: (_ctx, token) => (token as { rar?: unknown }).rar as never,
      },
      ciba: {
        enabled: true,
        deliveryModes: ['poll'],
        processLoginHint: (_ctx, loginHint) =>
          loginHint !== undefined && settings.isUser(loginHint) ? loginHint : undefined,
        processLoginHintToken: () => undefined,
        validateRequestContext: () => undefined,
        // CIBA §7.1: shown to the user; free text, bounded.
        validateBindingMessage(_ctx, message) {
          if (message !== undefined && (message.length > 120 || !/^[\x20-\x7e]*$/.test(message))) {
            throw new errors.InvalidBindingMessage('binding_message must be up to 120 printable ASCII characters');
          }
        },
        verifyUserCode(ctx, account) {
          settings.admitBackchannelRequest(account.accountId, ctx.oidc.client?.clientId ?? '');
        },
        triggerAuthenticationDevice: (ctx, request) => settings.onBackchannelRequest(ctx, request),
      },
    },
  };
  return new Provider(settings.issuer, configuration);
}
