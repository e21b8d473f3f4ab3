/**
 * Revocation, both ways a deployment has: at the authorization server (RFC 7009), which the
 * invoice API sees through introspection (RFC 7662), and on the resource side, a deny list on
 * Redis (`RedisRevocationStore`) that every API instance checks on every request.
 */
import { findChallenge } from '@actiongate/client';
import { RedisRevocationStore } from '@actiongate/redis';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { sendWithKey } from './dpop.js';
import { bold, detail, dim, green, red, say } from './narrate.js';

const insecure = { [oauth.allowInsecureRequests]: true };

/** The invoice API's credentials at the authorization server: it may introspect, nothing else. */
export const INVOICE_API_CLIENT = { clientId: 'invoice-api', clientSecret: crypto.randomUUID() } as const;

/** Revokes `token` as its client (RFC 7009 §2.1); resolves once the server confirmed it (200). */
export async function revokeAtAuthorizationServer(
  metadata: oauth.AuthorizationServer,
  client: oauth.Client,
  clientAuth: oauth.ClientAuth,
  token: string,
): Promise<void> {
  const response = await oauth.revocationRequest(metadata, client, clientAuth, token, {
    ...insecure,
    additionalParameters: { token_type_hint: 'access_token' },
  });
  await oauth.processRevocationResponse(response);
}

/** What the authorization server now says of `token` to the invoice API (RFC 7662 §2.2). */
export async function introspectAsInvoiceApi(metadata: oauth.AuthorizationServer, token: string): Promise<boolean> {
  const response = await oauth.introspectionRequest(
    metadata,
    { client_id: INVOICE_API_CLIENT.clientId },
    oauth.ClientSecretBasic(INVOICE_API_CLIENT.clientSecret),
    token,
    insecure,
  );
  return (await oauth.processIntrospectionResponse(metadata, { client_id: INVOICE_API_CLIENT.clientId }, response))
    .active;
}

/** Revocation on the resource side: a deny list on Redis that every invoice API instance shares. */
export async function fleetRevocationScene(scene: {
  readonly apiUrl: string;
  readonly issuer: string;
  readonly dpop: oauth.DPoPHandle;
  /** Alice's elevated token of the refund, still valid for reading. */
  readonly elevated: string;
  readonly baseline: string;
  readonly redisUrl: string | undefined;
}): Promise<void> {
  say('The operator revokes every token alice was issued so far, on the deny list every API instance shares');
  if (scene.redisUrl === undefined) {
    detail(
      dim('left out: no redis-server on PATH and no REDIS_URL (apt-get install redis-server, brew install redis)'),
    );
    return;
  }
  detail(dim("say alice's account was reported compromised; the list is on Redis, the API checks it on every request"));
  const url = `${scene.apiUrl}/invoices/inv_1001`;
  const left = Number(decodeJwt(scene.elevated).exp) - Math.floor(Date.now() / 1000);
  const before = await sendWithKey(scene.dpop, scene.elevated, 'GET', url);
  detail(
    `alice's elevated token (valid ${left} s more) with a proof by the key: GET /invoices/inv_1001 → ${green(String(before.status))}`,
  );
  const operator = new RedisRevocationStore({ url: scene.redisUrl });
  try {
    if (!(await operator.ready())) throw new Error(`Redis at ${scene.redisUrl} does not answer`);
    await operator.revoke({ sub: 'alice', issuer: scene.issuer });
    const revokedAt = performance.now();
    detail(`the operator's console: revoke({ sub: 'alice' }) on the shared RedisRevocationStore → done`);
    const after = await sendWithKey(scene.dpop, scene.elevated, 'GET', url);
    const refusedAfter = performance.now() - revokedAt;
    detail(
      `the same request again → ${red(String(after.status))} ${findChallenge(after.headers, 'DPoP')?.errorDescription}, ${bold(`${refusedAfter.toFixed(0)} ms`)} after the revocation`,
    );
  } finally {
    await operator.close();
  }
  const own = await sendWithKey(scene.dpop, scene.baseline, 'GET', `${scene.apiUrl}/invoices`);
  detail(
    `the client's own baseline token (sub invoice-app) is untouched: GET /invoices → ${green(String(own.status))}`,
  );
}
