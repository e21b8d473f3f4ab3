/**
 * Test support (not exported): an OAuth client built on oauth4webapi, as an MCP client would
 * use the server (discovery, RFC 7591 registration, PKCE code flow with a resource indicator),
 * and a bare browser for the hostile tests that drive the pages by hand.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { createUserAgent, DEMO_SECOND_FACTOR, DEMO_USERS, type UserAgentOptions } from './index.js';

export const RESOURCE = 'http://127.0.0.1:3000/mcp';
export const SCOPES = [
  'invoices:read',
  'invoices:export',
  'invoices:admin',
  'invoices:write',
  'invoices:delete',
  'payments:refund',
] as const;
export const REDIRECT_URI = 'http://127.0.0.1:8090/callback';
export const ALICE: UserAgentOptions = {
  username: 'alice',
  password: DEMO_USERS.alice as string,
  secondFactor: DEMO_SECOND_FACTOR.alice as string,
};
const insecure = { [oauth.allowInsecureRequests]: true };

export async function discover(issuer: string, algorithm: 'oauth2' | 'oidc' = 'oauth2') {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm, ...insecure }));
}

export type Auth = 'none' | 'client_secret_post' | 'client_secret_basic';

export async function register(as: oauth.AuthorizationServer, auth: Auth = 'none', refresh = true) {
  const client = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: 'Test MCP client',
        redirect_uris: [REDIRECT_URI],
        grant_types: refresh ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: auth,
        scope: 'invoices:read',
      },
      insecure,
    ),
  );
  const secret = client.client_secret as string;
  const clientAuth =
    auth === 'none'
      ? oauth.None()
      : auth === 'client_secret_post'
        ? oauth.ClientSecretPost(secret)
        : oauth.ClientSecretBasic(secret);
  return { client, clientAuth };
}

export interface Registered {
  readonly as: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly clientAuth: oauth.ClientAuth;
}

export interface Authorization {
  readonly url: URL;
  readonly state: string;
  readonly verifier: string;
}

export async function authorizationUrl(
  { as, client }: Registered,
  scope: string,
  extra: Record<string, string> = {},
): Promise<Authorization> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint as string);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    resource: RESOURCE,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url, state, verifier };
}

export async function exchange(
  { as, client, clientAuth }: Registered,
  authorization: Authorization,
  callback: URL,
  additionalParameters: Record<string, string> = { resource: RESOURCE },
) {
  const params = oauth.validateAuthResponse(as, client, callback, authorization.state);
  return oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, REDIRECT_URI, authorization.verifier, {
      additionalParameters,
      ...insecure,
    }),
  );
}

/** Registration, authorization as the user (through the pages) and the code exchange. */
export async function obtain(
  registered: Registered,
  scope: string,
  user: UserAgentOptions = ALICE,
  agent = createUserAgent(user),
) {
  const authorization = await authorizationUrl(registered, scope);
  return exchange(registered, authorization, await agent.authorize(authorization.url));
}

export async function refresh({ as, client, clientAuth }: Registered, refreshToken: string, scope?: string) {
  return oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, {
      additionalParameters: scope === undefined ? { resource: RESOURCE } : { resource: RESOURCE, scope },
      ...insecure,
    }),
  );
}

/** RFC 9068 §4: the resource server's checks, with jose against the server's JWKS. */
export async function verifyAccessToken(token: string, issuer: string, jwksUri: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)), {
    issuer,
    audience: RESOURCE,
    typ: 'at+jwt',
    algorithms: ['RS256'],
  });
}

export interface Exchange {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly location: URL | undefined;
}

/** A browser reduced to a cookie jar and manual redirects, for driving the pages by hand. */
export class Browser {
  readonly #cookies = new Map<string, string>();

  constructor(readonly origin: string) {}

  async request(url: URL | string, init: RequestInit = {}): Promise<Exchange> {
    const target = new URL(url, this.origin);
    const headers = new Headers(init.headers);
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (cookie !== '' && target.origin === this.origin) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.#cookies.delete(pair.slice(0, at));
      else this.#cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get('location');
    return {
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      location: location === null ? undefined : new URL(location, target),
    };
  }

  /** Follows GET redirects while they stay on this server; returns the last answer and its URL, or the URL it left for. */
  async open(url: URL | string): Promise<Exchange & { url: URL }> {
    let target = new URL(url, this.origin);
    for (let i = 0; i < 10; i++) {
      const answer = await this.request(target);
      if (answer.location === undefined) return { ...answer, url: target };
      if (answer.location.origin !== this.origin) return { ...answer, url: answer.location };
      target = answer.location;
    }
    throw new Error('too many redirects');
  }

  post(path: string, fields: Record<string, string>, headers: Record<string, string> = { origin: this.origin }) {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

export const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
export const actionOf = (page: string) => /<form method="post" action="([^"]+)">/.exec(page)?.[1] as string;
export const challengeOf = (page: string) => /id="challenge">(\d+)</.exec(page)?.[1] as string;
