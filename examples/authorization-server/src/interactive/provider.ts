/**
 * The oidc-provider configuration of the interactive demo server: OAuth 2.1 authorization code
 * with PKCE S256, open RFC 7591 registration, one RFC 8707 resource, RFC 9068 JWT access tokens
 * (bound to the client's key when it sends a DPoP proof, RFC 9449), and step-up scopes that only a fresh second factor in the same interaction can obtain.
 */
import { randomBytes } from 'node:crypto';
import Provider, { type Configuration, errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { createMemoryAdapter } from '../adapter.js';
import { MFA } from '../provider.js';

export interface InteractiveProviderSettings {
  readonly issuer: string;
  readonly keys: Record<string, unknown>[];
  readonly resource: string;
  readonly scopes: readonly string[];
  readonly stepUpScopes: readonly string[];
  readonly refreshTokens: 'offline_access' | 'always';
  readonly accessTokenTtl: number;
  readonly stepUpTokenTtl: number;
  readonly isUser: (accountId: string) => boolean;
}

/** Seconds an interaction (login, second factor, consent) may take. */
export const INTERACTION_TTL = 600;

const LOOPBACK = /^(127(\.\d{1,3}){3}|\[::1\]|localhost)$/i;

/**
 * Redirect URIs must be https, or http on a loopback host (RFC 8252 §7.3 and §8.3; the MCP
 * authorization spec: "localhost URLs or HTTPS URLs"). oidc-provider only checks this for
 * implicit web clients and native ones, so every registration is checked here.
 */
export function checkRedirectUris(uris: unknown): void {
  if (!Array.isArray(uris)) return; // oidc-provider itself refuses a missing or malformed list
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(String(uri));
    } catch {
      throw new errors.InvalidRedirectUri('redirect_uris must be absolute URIs');
    }
    if (url.protocol === 'https:') continue;
    if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) continue;
    throw new errors.InvalidRedirectUri('redirect_uris must use https, or http on a loopback host (RFC 8252 §7.3)');
  }
}

const scopesOf = (value: string | undefined) => new Set((value ?? '').split(' ').filter(Boolean));

export function createInteractiveProvider(settings: InteractiveProviderSettings): Provider {
  const stepUp = new Set(settings.stepUpScopes);
  const hasStepUp = (scopes: Iterable<string>) => [...scopes].some((scope) => stepUp.has(scope));
  const requestedScopes = (ctx: KoaContextWithOIDC) => scopesOf(ctx.oidc.params?.scope as string | undefined);
  const baseline = settings.scopes.filter((scope) => !stepUp.has(scope));

  const policy = interactionPolicy.base();
  // A request for a step-up scope needs a login with the second factor in this very interaction
  // (prompt=login semantics, and a fresh auth_time), never an older session, whatever its acr.
  policy
    .get('login')
    ?.checks.push(
      new interactionPolicy.Check(
        'step_up',
        'a step-up scope needs a fresh login with the second factor',
        'login_required',
        (ctx) =>
          hasStepUp(requestedScopes(ctx)) && ctx.oidc.result?.login?.acr !== MFA
            ? interactionPolicy.Check.REQUEST_PROMPT
            : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    );
  // The user approves every authorization on the consent page: an earlier grant never stands in.
  policy
    .get('consent')
    ?.checks.push(
      new interactionPolicy.Check('every_time', 'the user approves each authorization', 'consent_required', (ctx) =>
        ctx.oidc.result?.consent === undefined
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    );

  const configuration: Configuration = {
    adapter: createMemoryAdapter(),
    jwks: { keys: settings.keys as never },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The resource's scopes are listed here so that RFC 7591 registrations naming them (the MCP
    // SDKs send the resource's scopes_supported) validate; each client's own `scope` is widened
    // to all of them below, so it never narrows what the client may later ask for (step-up).
    scopes: ['offline_access', ...settings.scopes],
    acrValues: [MFA],
    responseTypes: ['code'],
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    // OAuth 2.1 §4.1.1 / RFC 9700 §2.1.1: PKCE with S256 for every client.
    pkce: { methods: ['S256'], required: () => true },
    findAccount: (_ctx, id) => (settings.isUser(id) ? { accountId: id, claims: () => ({ sub: id }) } : undefined),
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      // RFC 9470 §5 spirit: a token carrying a step-up scope lives briefly.
      AccessToken: (_ctx, token) =>
        hasStepUp(scopesOf(token.scope)) ? settings.stepUpTokenTtl : settings.accessTokenTtl,
      AuthorizationCode: 60,
      Interaction: INTERACTION_TTL,
      Session: 24 * 3600,
      Grant: 24 * 3600,
      RefreshToken: 24 * 3600,
      IdToken: 3600,
    },
    // The default: a refresh token only for offline_access, which the v1 MCP SDK never asks for
    // (it refreshes instead of re-authorizing on 403, typescript-sdk issue 2255), and never for a
    // grant carrying a step-up scope: such a grant is meant to end with its short-lived token, and a
    // client holding no refresh token re-authorizes on the next 403 instead of refreshing into the
    // same refusal (what the v2 SDK does when the challenge is not wider than its token).
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (settings.refreshTokens === 'always' || (code.scopes.has('offline_access') && !hasStepUp(code.scopes))),
    extraClientMetadata: {
      properties: ['actiongate_checked'],
      validator(_ctx, key, value, metadata) {
        if (key !== 'actiongate_checked') return;
        if (value !== undefined) throw new errors.InvalidClientMetadata('actiongate_checked is not client metadata');
        checkRedirectUris(metadata.redirect_uris);
        metadata.scope = ['offline_access', ...settings.scopes].join(' ');
      },
    },
    // RFC 9068 §2.2.3.1 / RFC 9470 §3: acr and auth_time belong to tokens a step-up produced;
    // a refreshed token never carries step-up scopes (below), so never these claims either.
    extraTokenClaims(ctx, token) {
      const code = ctx.oidc.entities.AuthorizationCode;
      if (code === undefined || !('scope' in token) || !hasStepUp(scopesOf(token.scope))) return undefined;
      return { acr: code.acr, auth_time: code.authTime };
    },
    features: {
      devInteractions: { enabled: false },
      // RFC 9449: a token request with a DPoP proof gets tokens bound to the proof's key
      // (`token_type` DPoP, `cnf.jkt` in the JWT; a public client's refresh token too, §5); an
      // authorization request may pin the key with `dpop_jkt` (§10). Without a proof, Bearer.
      dPoP: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: false },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // RFC 8707 §2: a request naming no resource is for the one resource this server serves.
        defaultResource: () => settings.resource,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx, resource) {
          if (resource !== settings.resource) throw new errors.InvalidTarget();
          const params = ctx.oidc.params as Record<string, unknown> | undefined;
          let scopes: readonly string[] = settings.scopes;
          if (ctx.oidc.route === 'token' && params?.grant_type === 'refresh_token') {
            // A refresh never carries a step-up scope forward: only a new authorization with
            // the second factor obtains one again.
            scopes = baseline;
          } else if (ctx.oidc.route === 'token' && params?.grant_type === 'authorization_code') {
            // Defence in depth: a code for a step-up scope must come from a second-factor login.
            const code = ctx.oidc.entities.AuthorizationCode;
            if (code === undefined || (hasStepUp(code.scopes) && code.acr !== MFA)) {
              throw new errors.InvalidGrant('the authorization lacks the second factor its scopes need');
            }
          }
          return {
            scope: scopes.join(' '),
            audience: resource,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  };
  return new Provider(settings.issuer, configuration);
}
