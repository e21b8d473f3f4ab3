/**
 * Runs the demo authorization server on its own, for the invoice resource, and asks on the
 * terminal (or on the approval page) before approving anything.
 */
import { createInterface } from 'node:readline/promises';
import { startAuthorizationServer } from './index.js';

const resource = process.env.RESOURCE || 'http://127.0.0.1:3000';
const DEFAULT_SCOPES = 'invoices:read invoices:export invoices:admin invoices:write invoices:delete payments:refund';
const server = await startAuthorizationServer({
  port: Number(process.env.PORT || 4000),
  // The invoice example's scopes by default; SCOPES (space-separated) for another resource.
  resources: { [resource]: (process.env.SCOPES || DEFAULT_SCOPES).split(' ') },
  clientSecret: process.env.CLIENT_SECRET || 'demo-secret',
});
process.stdout.write(`listening on ${server.issuer}\n`);
process.stdout.write(`client ${server.clientId} / ${server.clientSecret}, approvals at ${server.issuer}/approvals\n`);

const terminal = createInterface({ input: process.stdin, output: process.stdout });
server.inbox.events.on('pending', async (approval) => {
  const answer = await terminal.question(
    `Approve "${approval.bindingMessage ?? approval.scope}" for ${approval.accountId}? [y/N] `,
  );
  await server.inbox.decide(approval.id, answer.trim().toLowerCase() === 'y' ? 'approve' : 'deny');
});
