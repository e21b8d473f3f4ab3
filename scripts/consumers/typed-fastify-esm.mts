// @actiongate/fastify seen from a TypeScript ES module (node16 resolution, import conditions), with route config typed
// by the app's action names through the registry.

import { createGate, defineActions } from '@actiongate/core';
import { actiongate } from '@actiongate/fastify';
import Fastify from 'fastify';

declare module 'fastify' {
  interface ActionGateRegistry {
    action: 'invoices.read';
  }
}

const gate = createGate({
  actions: defineActions({ 'invoices.read': { scopes: ['invoices:read'] } }),
  resource: 'https://api.example.com',
  issuers: [{ issuer: 'https://as.example.com', jwksUri: 'https://as.example.com/jwks' }],
});
const app = Fastify();
await app.register(actiongate(gate).plugin);
app.get('/invoices', { config: { action: 'invoices.read' } }, async (request) => ({
  action: request.actionAuth?.action satisfies 'invoices.read' | undefined,
}));
// @ts-expect-error: an undeclared action name does not compile once the registry names them
app.get('/other', { config: { action: 'invoices.lsit' } }, async () => 'never');
