// A TypeScript CommonJS consumer of @actiongate/hono (module node16, skipLibCheck false). Apart from typed.ts:
// Hono's own declarations need the DOM library and TypeScript >= 5.7.

import { type AuthInfo, createGate, defineActions } from '@actiongate/core';
import { type ActionGateEnv, actiongate } from '@actiongate/hono';
import { Hono } from 'hono';

const gate = createGate({
  actions: defineActions({ 'invoices.read': { scopes: ['invoices:read'] } }),
  resource: 'https://api.example.com',
  issuers: [{ issuer: 'https://as.example.com', jwksUri: 'https://as.example.com/jwks' }],
});
const { requireAction, metadata, getAuthOrThrow } = actiongate(gate);

export const app = new Hono().use(metadata).get('/invoices', requireAction('invoices.read'), (c) => {
  const auth: AuthInfo<'invoices.read'> = c.get('auth');
  return c.json({ sub: auth.claims.sub, same: getAuthOrThrow(c) === auth });
});

export const mounted = new Hono<ActionGateEnv<'invoices.read'>>();
mounted.use('/invoices/*', requireAction('invoices.read'));
mounted.get('/invoices/:id', (c) => c.json({ action: c.var.auth.action }));
