/**
 * The interactive demo authorization server, for MCP clients: OAuth 2.1 authorization code with
 * PKCE, open dynamic client registration (RFC 7591), one resource (RFC 8707) and RFC 9068 JWT
 * access tokens, with pages where the user signs in, passes a second factor when a step-up scope
 * is asked for, and consents. See the README's "Interactive authorization server" section.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { Accounts, DEMO_USERS } from '../accounts.js';
import { checkHost } from '../request-guard.js';
import { createInteractionRoutes } from './interactions.js';
import { createInteractiveProvider } from './provider.js';
import { DEMO_SECOND_FACTOR } from './second-factor.js';

export { DEMO_USERS } from '../accounts.js';
export { MFA } from '../provider.js';
export { DEMO_SECOND_FACTOR, OCRA_SUITE, ocraResponse } from './second-factor.js';
export { createUserAgent, type UserAgent, type UserAgentOptions } from './user-agent.js';

export interface InteractiveAuthorizationServerOptions {
  readonly host?: string;
  readonly port?: number;
  /** The one RFC 8707 resource: the MCP server's canonical URI. */
  readonly resource: string;
  /** Every scope the resource accepts. */
  readonly scopes: readonly string[];
  /** Scopes granted only after the second factor, passed in the same authorization. Default `['payments:refund']`. */
  readonly stepUpScopes?: readonly string[];
  /** User name → password. Default `DEMO_USERS`. */
  readonly users?: Readonly<Record<string, string>>;
  /** User name → hex secret of the user's OCRA authenticator (second-factor.ts). Default `DEMO_SECOND_FACTOR`. */
  readonly secondFactors?: Readonly<Record<string, string>>;
  /**
   * `offline_access` (default): a refresh token only when the client asked for and got
   * `offline_access`, and never for a grant that carries a step-up scope. `always`: for every
   * code grant of a client registered with the refresh_token grant (to show MCP clients that
   * refresh instead of re-authorizing). Either way a refresh never carries a step-up scope forward.
   */
  readonly refreshTokens?: 'offline_access' | 'always';
  /** Seconds. Default 3600. */
  readonly accessTokenTtl?: number;
  /** Seconds, for tokens that carry a step-up scope. Default 300. */
  readonly stepUpTokenTtl?: number;
}

export interface InteractiveAuthorizationServer {
  readonly issuer: string;
  readonly jwksUri: string;
  close(): Promise<void>;
}

function configurationError(option: string, fix: string): never {
  throw new TypeError(`${option}: ${fix}`);
}

function checkOptions(options: InteractiveAuthorizationServerOptions, stepUpScopes: readonly string[]) {
  let resource: URL | undefined;
  try {
    resource = new URL(options.resource);
  } catch {
    configurationError('resource', 'give the absolute URI of the protected resource (RFC 8707 §2)');
  }
  if (resource.hash !== '') configurationError('resource', 'a resource indicator has no fragment (RFC 8707 §2)');
  const scopeSyntax = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3 scope-token
  if (
    !Array.isArray(options.scopes) ||
    options.scopes.length === 0 ||
    !options.scopes.every((s) => scopeSyntax.test(s))
  ) {
    configurationError('scopes', 'list the scope tokens (RFC 6749 §3.3) the resource accepts');
  }
  if (options.scopes.includes('offline_access') || options.scopes.includes('openid')) {
    configurationError('scopes', 'list the resource\'s own scopes; "offline_access" is added by the server');
  }
  for (const scope of stepUpScopes) {
    if (!options.scopes.includes(scope)) configurationError('stepUpScopes', `"${scope}" must be one of scopes`);
  }
  for (const [option, value] of [
    ['accessTokenTtl', options.accessTokenTtl],
    ['stepUpTokenTtl', options.stepUpTokenTtl],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      configurationError(option, 'seconds, a positive integer');
  }
  if (
    options.refreshTokens !== undefined &&
    options.refreshTokens !== 'offline_access' &&
    options.refreshTokens !== 'always'
  ) {
    configurationError('refreshTokens', "'offline_access' or 'always'");
  }
}

export async function startInteractiveAuthorizationServer(
  options: InteractiveAuthorizationServerOptions,
): Promise<InteractiveAuthorizationServer> {
  const stepUpScopes = options.stepUpScopes ?? ['payments:refund'];
  checkOptions(options, stepUpScopes);
  const accounts = new Accounts(options.users ?? DEMO_USERS);
  const host = options.host ?? '127.0.0.1';

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const issuerUrl = new URL(issuer);

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: `as-${randomUUID().slice(0, 8)}`,
    alg: 'RS256',
    use: 'sig',
  };

  const provider = createInteractiveProvider({
    issuer,
    keys: [signingKey],
    resource: options.resource,
    scopes: options.scopes,
    stepUpScopes,
    refreshTokens: options.refreshTokens ?? 'offline_access',
    accessTokenTtl: options.accessTokenTtl ?? 3600,
    stepUpTokenTtl: options.stepUpTokenTtl ?? 300,
    isUser: (accountId) => accounts.has(accountId),
  });

  // RFC 8414 §3.2: the metadata names what this server supports: the resource's scopes and
  // offline_access (not "openid", which oidc-provider adds for its own ID tokens).
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.status === 200 && typeof ctx.body === 'object') {
      const body = ctx.body as Record<string, unknown>;
      body.scopes_supported = [...options.scopes, 'offline_access'];
    }
  });

  const serveInteraction = createInteractionRoutes({
    issuer: issuerUrl,
    provider,
    accounts,
    secondFactors: options.secondFactors ?? DEMO_SECOND_FACTOR,
    resource: options.resource,
    scopes: options.scopes,
    stepUpScopes,
  });
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const verdict = checkHost(req, issuerUrl);
    if (!verdict.ok) {
      res.writeHead(verdict.status, { 'content-type': 'text/plain; charset=utf-8' }).end(verdict.reason);
      return;
    }
    try {
      if (await serveInteraction(req, res)) return;
    } catch {
      // A broken request (aborted body, bad encoding) changes nothing and says nothing more.
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad request');
      return;
    }
    // RFC 8414 §3: MCP clients look for the OAuth metadata first; oidc-provider serves the same
    // document (a superset) at the OpenID Connect address.
    const url = new URL(req.url ?? '/', issuerUrl);
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      req.url = `/.well-known/openid-configuration${url.search}`;
    }
    callback(req, res);
  });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
