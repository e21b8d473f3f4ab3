/**
 * Runs the demo authorization server on its own, for the invoice resource. Requests are
 * approved by their user, signed in on the approval page; nothing is approved on a terminal.
 */
import { DEMO_USERS, startAuthorizationServer } from './index.js';

const resource = process.env.RESOURCE || 'http://127.0.0.1:3000';
const DEFAULT_SCOPES = 'invoices:read invoices:export invoices:admin invoices:write invoices:delete payments:refund';
const server = await startAuthorizationServer({
  port: Number(process.env.PORT || 4000),
  // The invoice example's scopes by default; SCOPES (space-separated) for another resource, and
  // BASELINE_SCOPES for what the client gets by client credentials without a user.
  resources: { [resource]: (process.env.SCOPES || DEFAULT_SCOPES).split(' ') },
  baselineScopes: (process.env.BASELINE_SCOPES || 'invoices:read').split(' '),
  clientSecret: process.env.CLIENT_SECRET || 'demo-secret',
});
process.stdout.write(`listening on ${server.issuer}\n`);
process.stdout.write(`client ${server.clientId} / ${server.clientSecret}\n`);
process.stdout.write(
  `approvals at ${server.issuer}/approvals: sign in as ${Object.entries(DEMO_USERS)
    .map(([name, password]) => `${name} / ${password}`)
    .join(' or ')}\n`,
);
