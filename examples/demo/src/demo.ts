/**
 * `pnpm demo`: the just-in-time story, narrated. A baseline token lists invoices; a refund is
 * refused with a challenge; the client asks the authorization server for exactly what the
 * challenge names; the user, signed in to the authorization server's inbox from her device,
 * approves there over HTTP (automatically, or asked on the terminal with --interactive);
 * a short-lived elevated token makes the refund succeed; its replay is refused; a denied
 * approval ends cleanly. Every token is bound to the client's DPoP key (RFC 9449), and refunds
 * accept only bound tokens: an attacker who copies the elevated token cannot use it. An approved,
 * bound, still valid elevated token revoked at the authorization server (RFC 7009) is refused by
 * the invoice API from its next request on, which it learns through introspection (RFC 7662).
 */
import { createServer } from 'node:net';
import { createInterface } from 'node:readline/promises';
import { cibaStepUp, createStepUpFetch, findChallenge, StepUpError } from '@actiongate/client';
import { DEMO_USERS, startAuthorizationServer } from '@actiongate-examples/authorization-server';
import { invoiceScopes } from '@actiongate-examples/invoices-kit';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { startApi } from './api-process.js';
import { ApproverDevice, type InboxApproval } from './approver-device.js';
import { replayWithoutKey, sendWithKey } from './dpop.js';
import { bold, cyan, detail, dim, green, red, say } from './narrate.js';
import { startRedis } from './redis.js';
import {
  fleetRevocationScene,
  INVOICE_API_CLIENT,
  introspectAsInvoiceApi,
  revokeAtAuthorizationServer,
} from './revocation.js';

const interactive = process.argv.includes('--interactive');
const started = Date.now();
const insecure = { [oauth.allowInsecureRequests]: true };

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const port = await freePort();
const redisStarting = startRedis(); // meanwhile
const audience = `http://127.0.0.1:${port}`;
const as = await startAuthorizationServer({
  resources: { [audience]: invoiceScopes },
  // The invoice API may ask (RFC 7662) about the tokens for its resource.
  resourceServers: [{ ...INVOICE_API_CLIENT, resource: audience }],
});
const issuer = new URL(as.issuer);
const metadata = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
const redis = await redisStarting;
const api = await startApi({
  PORT: String(port),
  HOST: '127.0.0.1',
  ISSUER: as.issuer,
  JWKS_URI: as.jwksUri,
  AUDIENCE: audience,
  ACCEPT_DPOP: '1',
  REFUND_REQUIRES_DPOP: '1',
  // A refund's token is also checked at the authorization server, so a revocation there counts.
  INTROSPECTION_URL: metadata.introspection_endpoint as string,
  INTROSPECTION_CLIENT_ID: INVOICE_API_CLIENT.clientId,
  INTROSPECTION_CLIENT_SECRET: INVOICE_API_CLIENT.clientSecret,
  INTROSPECT_REFUND: '1',
  // The deny list every instance shares, when there is a Redis to keep it.
  ...(redis === undefined ? {} : { REVOCATION_REDIS_URL: redis.url }),
});
const terminal = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;

let answer: 'approve' | 'deny' = 'approve';
const describe = (entry: Record<string, unknown>) =>
  `${entry.type}: ${Array.isArray(entry.actions) ? entry.actions.join(', ') : ''} ${entry.identifier ?? ''}`.trim();
// Alice's device signs in with her password and decides on the inbox over HTTP, with the
// session's CSRF token: the client's auth_req_id alone approves nothing.
const alice = await ApproverDevice.signIn(as.issuer, 'alice', DEMO_USERS.alice as string);
alice.watch(
  async (approval: InboxApproval) => {
    detail(`${cyan("alice's device")} asks alice to approve: ${bold(`"${approval.binding_message}"`)}`);
    detail(
      dim(
        `client ${approval.client_id}, resource ${approval.resource}, scope ${approval.scope}, acr ${approval.acr_values}, ${(approval.authorization_details ?? []).map(describe).join('; ')}`,
      ),
    );
    let decision = answer;
    if (terminal !== undefined) {
      const reply = await terminal.question(`   Approve? [y/N] `);
      decision = reply.trim().toLowerCase() === 'y' ? 'approve' : 'deny';
    } else
      detail(
        `alice ${decision === 'approve' ? green('approves') : red('denies')} on her device (automatically; --interactive to decide yourself)`,
      );
    return decision;
  },
  (error) => {
    detail(red(`alice's device stopped: ${error instanceof Error ? error.message : String(error)}`));
    process.exitCode = 1;
  },
);

/** Mallory copied the elevated token as it was issued (a log line, a proxy): without the key it is useless. */
async function attackerScene(token: string, client: { dpop: oauth.DPoPHandle; baseline: string }): Promise<void> {
  say('An attacker who copied the elevated token as it was issued replays it first, without the key');
  const url = `${api.url}/invoices/inv_1001/refund`;
  const { asBearer, withOwnKey } = await replayWithoutKey(token, 'POST', url);
  const challenge = (response: Response) => response.headers.get('www-authenticate');
  detail(`as Bearer: POST /invoices/inv_1001/refund → ${red(String(asBearer.status))}`);
  detail(dim(`WWW-Authenticate: ${challenge(asBearer)}`));
  detail(`with a DPoP proof by his own key: → ${red(String(withOwnKey.status))}`);
  detail(dim(`WWW-Authenticate: ${challenge(withOwnKey)}`));
  // Read back with the client's own (baseline) token and key: a refused request has no effect.
  const invoice = await sendWithKey(client.dpop, client.baseline, 'GET', `${api.url}/invoices/inv_1001`);
  detail(
    `GET /invoices/inv_1001 → ${invoice.status}, status ${((await invoice.json()) as { status?: string }).status}`,
  );
}

try {
  say(`An authorization server (${as.issuer}) and the Express invoice API (${api.url}) are up`);
  const client = { client_id: as.clientId };
  const clientAuth = oauth.ClientSecretPost(as.clientSecret);
  // RFC 9449: the client's key; WebCrypto will not export its private half, so it cannot be copied.
  const keyPair = await oauth.generateKeyPair('ES256', { extractable: false });
  const dpop = oauth.DPoP({}, keyPair); // oauth4webapi reads only a clock skew from the client
  const thumbprint = await dpop.calculateThumbprint();
  detail(`the client's DPoP key: ES256, private key not extractable, thumbprint ${thumbprint}`);
  const grant = await oauth.clientCredentialsGrantRequest(
    metadata,
    client,
    clientAuth,
    { scope: 'invoices:read', resource: audience },
    { ...insecure, DPoP: dpop },
  );
  const issued = await oauth.processClientCredentialsResponse(metadata, client, grant);
  const baseline = issued.access_token;
  detail(
    `baseline token: scope ${bold('invoices:read')}, valid an hour, token_type ${issued.token_type}, bound to the key (cnf.jkt ${(decodeJwt(baseline).cnf as { jkt?: string } | undefined)?.jkt})`,
  );

  say('The baseline token lists invoices (with a DPoP proof by the key)');
  const list = await sendWithKey(dpop, baseline, 'GET', `${api.url}/invoices`);
  detail(
    `GET /invoices → ${green(String(list.status))}, ${((await list.json()) as { invoices: unknown[] }).invoices.length} invoices`,
  );

  say('A refund with the baseline token is refused, and the challenge says exactly what is missing');
  const refused = await sendWithKey(dpop, baseline, 'POST', `${api.url}/invoices/inv_1001/refund`);
  detail(`POST /invoices/inv_1001/refund → ${red(String(refused.status))}`);
  detail(dim(`WWW-Authenticate: ${refused.headers.get('www-authenticate')}`));
  detail(dim(`body: ${await refused.text()}`));

  say('The client steps up: one approval request for exactly that, through CIBA, bound to its key');
  let elevated = '';
  const ciba = cibaStepUp({
    authorizationServer: metadata,
    client,
    clientAuth,
    loginHint: 'alice',
    resource: () => audience,
    allowInsecureRequests: true,
  });
  let attacked = false;
  /** Set for the scene where the client revokes its elevated token between approval and use. */
  let revokeBeforeUse = false;
  let revokedAt = 0;
  let revokedToken = '';
  const stepUpFetch = createStepUpFetch({
    getToken: () => ({ accessToken: baseline, tokenType: 'DPoP' }),
    dpop: { keyPair },
    heldScopes: ['invoices:read'],
    allowedResources: [api.url],
    policy: {
      scopes: ['payments:refund', 'invoices:write', 'invoices:delete'],
      authorizationDetailsTypes: ['payment_refund'],
      acrValues: ['urn:actiongate:mfa'],
    },
    async stepUp(request) {
      const token = await ciba(request);
      if (!attacked) {
        attacked = true;
        await attackerScene(token.accessToken, { dpop, baseline });
      }
      if (revokeBeforeUse) {
        const claims = decodeJwt(token.accessToken);
        detail(
          `approved: an elevated token bound to the key, valid ${Number(claims.exp) - Math.floor(Date.now() / 1000)} s more, not used yet`,
        );
        await revokeAtAuthorizationServer(metadata, client, clientAuth, token.accessToken);
        revokedAt = performance.now();
        revokedToken = token.accessToken;
        detail(
          `the client revokes it: POST ${new URL(metadata.revocation_endpoint as string).pathname} (RFC 7009) → 200`,
        );
      }
      return token;
    },
    onEvent: (event) => {
      if (event.type === 'step-up:approved') elevated = event.token.accessToken;
    },
  });
  const refund = await stepUpFetch(`${api.url}/invoices/inv_1001/refund`, { method: 'POST' }).catch(
    (error: unknown) => {
      if (!(error instanceof StepUpError)) throw error;
      return error;
    },
  );
  if (refund instanceof StepUpError) {
    detail(`the client reports ${bold(`StepUpError ${refund.code}`)}: no elevated token, so no refund and no retry`);
    process.stdout.write(`\n${green('Done')} in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    process.exit(0);
  }

  say('The elevated token is short-lived, strongly authenticated, bound to this invoice and to the key');
  const claims = decodeJwt(elevated);
  detail(
    `sub ${claims.sub}, scope ${claims.scope}, acr ${claims.acr}, lifetime ${Number(claims.exp) - Number(claims.iat)} s`,
  );
  detail(`authorization_details ${JSON.stringify(claims.authorization_details)}`);
  detail(
    `cnf ${JSON.stringify(claims.cnf)} ${(claims.cnf as { jkt?: string } | undefined)?.jkt === thumbprint ? green('= the client key') : red('NOT the client key')}`,
  );

  say('The client retried once with it and a proof by its key, and the refund succeeds');
  detail(`POST /invoices/inv_1001/refund → ${green(String(refund.status))} ${await refund.text()}`);

  say('The same elevated token, replayed even with the key, is refused: it was good for one use');
  const replay = await sendWithKey(dpop, elevated, 'POST', `${api.url}/invoices/inv_1001/refund`);
  detail(
    `POST /invoices/inv_1001/refund → ${red(String(replay.status))} ${findChallenge(replay.headers, 'DPoP')?.errorDescription}`,
  );

  say('An approved, bound, still valid token is revoked at the authorization server, and refused');
  detail(dim('say the client suspects its host (key and all): it revokes the token it holds for inv_1003'));
  revokeBeforeUse = true;
  const revoked = await stepUpFetch(`${api.url}/invoices/inv_1003/refund`, { method: 'POST' });
  const refusedAfter = performance.now() - revokedAt;
  revokeBeforeUse = false;
  detail(
    `the retry with it and a proof by the key: POST /invoices/inv_1003/refund → ${red(String(revoked.status))} ${findChallenge(revoked.headers, 'DPoP')?.errorDescription}`,
  );
  detail(
    `refused ${bold(`${refusedAfter.toFixed(0)} ms`)} after the revocation (the invoice API introspects refund tokens; an answer it cached is kept at most 10 s)`,
  );
  const active = await introspectAsInvoiceApi(metadata, revokedToken);
  detail(
    `what the invoice API learnt: the authorization server's introspection (RFC 7662) answers ${bold(`active: ${active}`)}`,
  );
  const untouched = await sendWithKey(dpop, baseline, 'GET', `${api.url}/invoices/inv_1003`);
  detail(
    `GET /invoices/inv_1003 → ${untouched.status}, status ${((await untouched.json()) as { status?: string }).status}`,
  );

  await fleetRevocationScene({ apiUrl: api.url, issuer: as.issuer, dpop, elevated, baseline, redisUrl: redis?.url });

  say('A refund the user does not approve ends cleanly');
  answer = 'deny';
  try {
    await stepUpFetch(`${api.url}/invoices/inv_1002/refund`, { method: 'POST' });
    detail(red('unexpected: the refund went through'));
    process.exitCode = 1;
  } catch (error) {
    if (!(error instanceof StepUpError)) throw error;
    detail(`the client reports ${bold(`StepUpError ${error.code}`)}; nothing was retried, nothing refunded`);
  }
  process.stdout.write(`\n${green('Done')} in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
} finally {
  await alice.stop().catch(() => undefined); // already reported when it happened
  terminal?.close();
  await api.stop();
  await as.close();
  await redis?.stop();
}
