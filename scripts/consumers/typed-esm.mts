// The same packages seen from a TypeScript ES module (node16 resolution, import conditions).

import { parseChallenges } from '@actiongate/client';
import { createGate, defineActions } from '@actiongate/core';
import { actiongate } from '@actiongate/express';
import { RedisReplayStore } from '@actiongate/redis';

const gate = createGate({
  actions: defineActions({ 'invoices.read': { scopes: ['invoices:read'] } }),
  resource: 'https://api.example.com',
  issuers: [{ issuer: 'https://as.example.com', jwksUri: 'https://as.example.com/jwks' }],
  replayStore: new RedisReplayStore({ url: 'redis://127.0.0.1:6379' }),
});
export const guard = actiongate(gate).requireAction('invoices.read');
export const schemes: string[] = parseChallenges('Bearer realm="x"').map((challenge) => challenge.scheme);
