/**
 * The demo authorization server: oidc-provider on a loopback port, with an approval inbox.
 *
 * Baseline tokens come from the client-credentials grant with the client's baseline scopes
 * only; elevated tokens from CIBA (poll mode), once the user, signed in to the inbox with their
 * password, approves the request there. The client never holds anything that approves.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { Accounts, DEMO_USERS } from './accounts.js';
import { INBOX_PATH, serveApprovalPage } from './approval-page.js';
import { type ApprovalInbox, type Decision, type PendingApproval, RateLimiter } from './approvals.js';
import { detailsOf, grantDetails } from './authorization-details.js';
import { CIBA_GRANT, createProvider, MFA } from './provider.js';
import { checkHost } from './request-guard.js';
import { randomId, UserSessions } from './user-sessions.js';

export { DEMO_USERS } from './accounts.js';

export { type ApprovalInbox, type Decision, type PendingApproval, RateLimiter } from './approvals.js';
export { CIBA_GRANT, MFA } from './provider.js';

export interface AuthorizationServerOptions {
  readonly port?: number;
  readonly host?: string;
  /** Resource identifier → the scopes it accepts. */
  readonly resources: Readonly<Record<string, readonly string[]>>;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The scopes `clientId` gets by client credentials, with no user. Default `invoices:read`. */
  readonly baselineScopes?: readonly string[];
  /**
   * Service clients that may get the listed scopes by client credentials, with no user and no
   * CIBA: each one an explicit, separate registration. Default none.
   */
  readonly serviceClients?: readonly ServiceClient[];
  /** User name → password, for the inbox's sign-in. Default `DEMO_USERS` (alice, bob). */
  readonly users?: Readonly<Record<string, string>>;
  /** CIBA poll interval the server asks for, in seconds. Default 1. */
  readonly pollInterval?: number;
  /** Seconds a user has to approve. Default 120. */
  readonly approvalTtl?: number;
  /** Elevated access token lifetime, seconds. Default 300. */
  readonly elevatedTtl?: number;
  /** Approval requests allowed per user and client per minute. Default 5. */
  readonly approvalsPerMinute?: number;
  /** The `acr` an approval certifies. Default `urn:actiongate:mfa` (tests may weaken it). */
  readonly approvalAcr?: string;
  /** Answer the first N polls of each request with `slow_down` (to exercise clients). Default 0. */
  readonly slowDownFirstPolls?: number;
  /**
   * Require a server nonce in DPoP proofs at the token endpoint (RFC 9449 §8: the first request
   * with a proof gets `use_dpop_nonce` and a `DPoP-Nonce`), to exercise clients. Default false.
   * DPoP itself is always on: a token request with a proof gets a token bound to its key.
   */
  readonly dpopNonces?: boolean;
  /**
   * Resource servers that may introspect (RFC 7662, `client_secret_basic`) the tokens issued for
   * their resource, e.g. to see a revocation (RFC 7009). Default none.
   */
  readonly resourceServers?: readonly ResourceServerClient[];
}

export interface ResourceServerClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The resource identifier it serves (a key of `resources`). */
  readonly resource: string;
}

export interface ServiceClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

export interface AuthorizationServer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly inbox: ApprovalInbox;
  /** How many CIBA requests were admitted (not refused by the rate limit). */
  readonly backchannelRequests: () => number;
  close(): Promise<void>;
}

export async function startAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServer> {
  const clientId = options.clientId ?? 'invoice-app';
  const clientSecret = options.clientSecret ?? randomUUID();
  const pollInterval = options.pollInterval ?? 1;
  for (const server of options.resourceServers ?? []) {
    if (server.clientId === clientId || !server.clientSecret || options.resources[server.resource] === undefined) {
      throw new TypeError(
        `resourceServers: "${server.clientId}" needs its own client id, a secret, and a resource listed in resources`,
      );
    }
  }
  for (const service of options.serviceClients ?? []) {
    if (service.clientId === clientId || !service.clientSecret) {
      throw new TypeError(
        `serviceClients: "${service.clientId}" needs its own client id (not "${clientId}", which gets only the baseline) and a secret`,
      );
    }
  }
  const limiter = new RateLimiter(options.approvalsPerMinute ?? 5, 60_000);
  const accounts = new Accounts(options.users ?? DEMO_USERS);
  const sessions = new UserSessions(INBOX_PATH, 1800);
  // Approval id → the approval and the auth_req_id it answers, which only the client knows.
  const pending = new Map<string, { approval: PendingApproval; authReqId: string }>();
  const events: ApprovalInbox['events'] = new EventEmitter();
  const lastPoll = new Map<string, { at: number; count: number }>();
  let admitted = 0;

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const issuerUrl = new URL(issuer);

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: `as-${randomUUID().slice(0, 8)}`,
    alg: 'RS256',
    use: 'sig',
  };

  const provider = createProvider({
    issuer,
    keys: [signingKey],
    resources: options.resources,
    isUser: (accountId) => accounts.has(accountId),
    clientCredentialsScopes: new Map([
      [clientId, options.baselineScopes ?? ['invoices:read']],
      ...(options.serviceClients ?? []).map((service): [string, readonly string[]] => [
        service.clientId,
        service.scopes,
      ]),
    ]),
    authorizationDetailsTypes: new Map([[clientId, ['payment_refund']]]),
    baselineTtl: 3600,
    elevatedTtl: options.elevatedTtl ?? 300,
    approvalTtl: options.approvalTtl ?? 120,
    dpopNonces: options.dpopNonces ?? false,
    introspectors: new Map((options.resourceServers ?? []).map((server) => [server.clientId, server.resource])),
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials', CIBA_GRANT],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
        backchannel_token_delivery_mode: 'poll',
      },
      ...(options.serviceClients ?? []).map((service) => ({
        client_id: service.clientId,
        client_secret: service.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post' as const,
      })),
      // A resource server gets no tokens; it only asks about them.
      ...(options.resourceServers ?? []).map((server) => ({
        client_id: server.clientId,
        client_secret: server.clientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic' as const,
      })),
    ],
    admitBackchannelRequest(accountId, client) {
      // Refused before anyone is prompted.
      if (!limiter.allow(`${accountId} ${client}`)) {
        throw new errors.SlowDown('too many approval requests for this user; try again later');
      }
      admitted++;
    },
    async onBackchannelRequest(_ctx: KoaContextWithOIDC, request, authorizationDetails) {
      const params = request.params as Record<string, string | undefined>;
      const approval: PendingApproval = {
        id: randomId(),
        accountId: request.accountId as string,
        clientId: request.clientId as string,
        scope: request.scope as string,
        acrValues: params.acr_values,
        bindingMessage: params.binding_message,
        authorizationDetails,
        resource: typeof request.resource === 'string' ? request.resource : undefined,
        createdAt: Date.now(),
        expiresAt: Date.now() + (request.expiration ?? 0) * 1000,
      };
      pending.set(approval.id, { approval, authReqId: request.jti });
      events.emit('pending', approval);
    },
  });

  // CIBA §7.3: tell clients how often to poll, and hold them to it (§11: slow_down is a
  // pending answer that also asks the client to back off).
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.path === '/backchannel' && ctx.status === 200 && typeof body === 'object' && body !== null) {
      body.interval = pollInterval;
    }
    const params = ctx.oidc?.params as Record<string, unknown> | undefined;
    // RFC 9396 §7: the token response names the details granted with the access token.
    const granted = ctx.oidc?.entities.AccessToken === undefined ? undefined : detailsOf(ctx.oidc.entities.Grant);
    if (
      ctx.path === '/token' &&
      params?.grant_type === CIBA_GRANT &&
      typeof body?.access_token === 'string' &&
      granted
    ) {
      body.authorization_details = granted;
    }
    if (ctx.path !== '/token' || params?.grant_type !== CIBA_GRANT || body?.error !== 'authorization_pending') return;
    const id = String(params.auth_req_id);
    const previous = lastPoll.get(id) ?? { at: 0, count: 0 };
    const now = Date.now();
    lastPoll.set(id, { at: now, count: previous.count + 1 });
    if (now - previous.at < pollInterval * 1000 - 250 || previous.count < (options.slowDownFirstPolls ?? 0)) {
      ctx.body = { error: 'slow_down', error_description: 'poll less often' };
    }
  });

  const inbox: ApprovalInbox = {
    events,
    list(accountId: string) {
      const now = Date.now();
      const mine: PendingApproval[] = [];
      for (const [id, { approval }] of pending) {
        if (approval.expiresAt <= now) pending.delete(id);
        else if (approval.accountId === accountId) mine.push(approval);
      }
      return mine;
    },
    async decide(id: string, decision: Decision, accountId?: string) {
      const entry = pending.get(id);
      if (entry === undefined || (accountId !== undefined && entry.approval.accountId !== accountId)) return false;
      // Single shot: gone before anything is awaited, so two decisions cannot both apply.
      pending.delete(id);
      const { approval, authReqId } = entry;
      // Too late to decide: the client's polls already answer expired_token (CIBA §11), and
      // oidc-provider still finds an expired request, so this is checked here.
      if (approval.expiresAt <= Date.now()) return false;
      const request = await provider.BackchannelAuthenticationRequest.find(authReqId);
      if (request === undefined || request.isExpired) return false;
      if (decision === 'deny') {
        await provider.backchannelResult(request, new errors.AccessDenied('the user denied the request'));
      } else {
        const grant = new provider.Grant({ accountId: approval.accountId, clientId: approval.clientId });
        grant.addOIDCScope('openid');
        if (approval.resource !== undefined) {
          // The resource gets only scopes it accepts: `openid` is for the ID token, and
          // oidc-provider 8 puts whatever the grant holds for the resource in its token.
          const accepted = options.resources[approval.resource] ?? [];
          const scope = approval.scope.split(' ').filter((value) => accepted.includes(value));
          grant.addResourceScope(approval.resource, scope.join(' '));
        }
        if (approval.authorizationDetails !== undefined) grantDetails(grant, approval.authorizationDetails);
        await grant.save();
        await provider.backchannelResult(request, grant, {
          acr: options.approvalAcr ?? MFA,
          authTime: Math.floor(Date.now() / 1000),
        });
      }
      events.emit('decided', approval, decision);
      return true;
    },
  };

  const callback = provider.callback();
  const pages = { issuer: issuerUrl, inbox, accounts, sessions };
  server.on('request', async (req, res) => {
    const host = checkHost(req, issuerUrl);
    if (!host.ok) {
      res.writeHead(host.status, { 'content-type': 'text/plain; charset=utf-8' }).end(host.reason);
      return;
    }
    try {
      if (await serveApprovalPage(pages, req, res)) return;
    } catch {
      // A broken request (aborted body, bad encoding) changes nothing and says nothing more.
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('bad request');
      return;
    }
    callback(req, res);
  });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    clientId,
    clientSecret,
    inbox,
    backchannelRequests: () => admitted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
