/**
 * `pnpm demo`: the just-in-time story, narrated. A baseline token lists invoices; a refund is
 * refused with a challenge; the client asks the authorization server for exactly what the
 * challenge names; the user, signed in to the authorization server's inbox from her device,
 * approves there over HTTP (automatically, or asked on the terminal with --interactive);
 * a short-lived elevated token makes the refund succeed; its replay is refused; a denied
 * approval ends cleanly.
 */
import { createServer } from 'node:net';
import { createInterface } from 'node:readline/promises';
import { cibaStepUp, createStepUpFetch, findBearerChallenge, StepUpError } from '@actiongate/client';
import { DEMO_USERS, startAuthorizationServer } from '@actiongate-examples/authorization-server';
import { invoiceScopes } from '@actiongate-examples/invoices-kit';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { startApi } from './api-process.js';
import { ApproverDevice, type InboxApproval } from './approver-device.js';
import { bold, cyan, detail, dim, green, red, say } from './narrate.js';

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
const audience = `http://127.0.0.1:${port}`;
const as = await startAuthorizationServer({ resources: { [audience]: invoiceScopes } });
const api = await startApi({
  PORT: String(port),
  HOST: '127.0.0.1',
  ISSUER: as.issuer,
  JWKS_URI: as.jwksUri,
  AUDIENCE: audience,
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

try {
  say(`An authorization server (${as.issuer}) and the Express invoice API (${api.url}) are up`);
  const issuer = new URL(as.issuer);
  const metadata = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  const client = { client_id: as.clientId };
  const clientAuth = oauth.ClientSecretPost(as.clientSecret);
  const grant = await oauth.clientCredentialsGrantRequest(
    metadata,
    client,
    clientAuth,
    { scope: 'invoices:read', resource: audience },
    insecure,
  );
  const baseline = (await oauth.processClientCredentialsResponse(metadata, client, grant)).access_token;
  detail(`baseline token: scope ${bold('invoices:read')}, valid an hour`);

  say('The baseline token lists invoices');
  const list = await fetch(`${api.url}/invoices`, { headers: { authorization: `Bearer ${baseline}` } });
  detail(
    `GET /invoices → ${green(String(list.status))}, ${((await list.json()) as { invoices: unknown[] }).invoices.length} invoices`,
  );

  say('A refund with the baseline token is refused, and the challenge says exactly what is missing');
  const refused = await fetch(`${api.url}/invoices/inv_1001/refund`, {
    method: 'POST',
    headers: { authorization: `Bearer ${baseline}` },
  });
  detail(`POST /invoices/inv_1001/refund → ${red(String(refused.status))}`);
  detail(dim(`WWW-Authenticate: ${refused.headers.get('www-authenticate')}`));
  detail(dim(`body: ${await refused.text()}`));

  say('The client steps up: one approval request for exactly that, through CIBA');
  let elevated = '';
  const stepUpFetch = createStepUpFetch({
    getToken: () => baseline,
    heldScopes: ['invoices:read'],
    allowedResources: [api.url],
    policy: {
      scopes: ['payments:refund', 'invoices:write', 'invoices:delete'],
      authorizationDetailsTypes: ['payment_refund'],
      acrValues: ['urn:actiongate:mfa'],
    },
    stepUp: cibaStepUp({
      authorizationServer: metadata,
      client,
      clientAuth,
      loginHint: 'alice',
      resource: () => audience,
      allowInsecureRequests: true,
    }),
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

  say('The elevated token is short-lived, strongly authenticated and bound to this invoice');
  const claims = decodeJwt(elevated);
  detail(
    `sub ${claims.sub}, scope ${claims.scope}, acr ${claims.acr}, lifetime ${Number(claims.exp) - Number(claims.iat)} s`,
  );
  detail(`authorization_details ${JSON.stringify(claims.authorization_details)}`);

  say('The client retried once with it, and the refund succeeds');
  detail(`POST /invoices/inv_1001/refund → ${green(String(refund.status))} ${await refund.text()}`);

  say('The same elevated token, replayed, is refused: it was good for one use');
  const replay = await fetch(`${api.url}/invoices/inv_1001/refund`, {
    method: 'POST',
    headers: { authorization: `Bearer ${elevated}` },
  });
  detail(
    `POST /invoices/inv_1001/refund → ${red(String(replay.status))} ${findBearerChallenge(replay.headers)?.errorDescription}`,
  );

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
}
