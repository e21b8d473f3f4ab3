// A TypeScript CommonJS consumer of @actiongate/fastify (module node16, skipLibCheck false). Apart from typed.ts:
// Fastify 5's own declarations need TypeScript >= 5.4 (`NoInfer`), above the 5.3 the other packages claim.

import type { AuthInfo } from '@actiongate/core';
import { createGate, defineActions } from '@actiongate/core';
import { actiongate } from '@actiongate/fastify';
import { fastify } from 'fastify';

const gate = createGate({
  actions: defineActions({ 'invoices.read': { scopes: ['invoices:read'] } }),
  resource: 'https://api.example.com',
  issuers: [{ issuer: 'https://as.example.com', jwksUri: 'https://as.example.com/jwks' }],
});
const guard = actiongate(gate);
const app = fastify();
app.register(guard.plugin, { metadata: true });
app.get('/invoices', { config: { action: 'invoices.read' } }, async (request) => {
  const auth: AuthInfo<string> | undefined = request.actionAuth;
  return { sub: auth?.claims.sub };
});
app.get<{ Params: { id: string } }>(
  '/invoices/:id',
  { preHandler: guard.requireAction('invoices.read') },
  async (request) => {
    const auth: AuthInfo<'invoices.read'> = guard.getAuthOrThrow(request);
    return { id: request.params.id, sub: auth.claims.sub };
  },
);
