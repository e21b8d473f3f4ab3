/**
 * `pnpm demo`: the just-in-time story, narrated. A baseline token lists invoices; a refund is
 * refused with a challenge; the client asks the authorization server for exactly what the
 * challenge names; the user approves (automatically, or on the terminal with --interactive);
 * a short-lived elevated token makes the refund succeed; its replay is refused; a denied
 * approval ends cleanly.
 */
import { createServer } from 'node:net';
import { createInterface } from 'node:readline/promises';
import { cibaStepUp, createStepUpFetch, findBearerChallenge, StepUpError } from '@actiongate/client';
import { type PendingApproval, startAuthorizationServer } from '@actiongate-examples/authorization-server';
import { invoiceScopes } from '@actiongate-examples/invoices-kit';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { startApi } from './api-process.js';
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
as.inbox.events.on('pending', async (approval: PendingApproval) => {
  detail(
    `${cyan('authorization server')} asks ${approval.accountId} to approve: ${bold(`"${approval.bindingMessage}"`)}`,
  );
  detail(
    dim(`scope ${approval.scope}, acr_values ${approval.acrValues}, ${JSON.stringify(approval.authorizationDetails)}`),
  );
  let decision = answer;
  if (terminal !== undefined) {
    const reply = await terminal.question(`   Approve? [y/N] `);
    decision = reply.trim().toLowerCase() === 'y' ? 'approve' : 'deny';
  } else
    detail(
      `${approval.accountId} ${decision === 'approve' ? green('approves') : red('denies')} (automatically; --interactive to decide yourself)`,
    );
  await as.inbox.decide(approval.id, decision);
});

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
  terminal?.close();
  await api.stop();
  await as.close();
}
