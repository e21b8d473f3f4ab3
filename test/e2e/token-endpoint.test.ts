/**
 * Step-up without a person: the token-endpoint step-up asks the real authorization server for
 * the scopes the challenge named, by client credentials. Only a service client registered
 * explicitly for those scopes gets them; the user-facing client gets its baseline and no more.
 */
import { createStepUpFetch, tokenEndpointStepUp } from '@actiongate/client';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, startStack } from './support/stack.js';

const service = {
  clientId: 'invoice-batch',
  clientSecret: 'batch-secret',
  scopes: ['invoices:read', 'invoices:write', 'invoices:delete'],
};
let stack: Stack;
beforeAll(async () => {
  stack = await startStack('express-invoices', { serviceClients: [service] });
});
afterAll(() => stack.stop());

it('gets the delete scopes for an explicitly registered service client and retries once', async () => {
  let calls = 0;
  const client = { client_id: service.clientId };
  const clientAuth = oauth.ClientSecretPost(service.clientSecret);
  const stepUp = tokenEndpointStepUp({
    authorizationServer: stack.metadata,
    client,
    clientAuth,
    resource: () => stack.audience,
    allowInsecureRequests: true,
  });
  const fetch = createStepUpFetch({
    getToken: () => stack.baselineToken(),
    heldScopes: ['invoices:read'],
    allowedResources: [stack.api.url],
    policy: {
      scopes: ['payments:refund', 'invoices:write', 'invoices:delete'],
      authorizationDetailsTypes: ['payment_refund'],
      acrValues: ['urn:actiongate:mfa'],
    },
    stepUp: (request) => {
      calls++;
      expect(request.scope).toEqual(['invoices:read', 'invoices:write', 'invoices:delete']);
      return stepUp(request);
    },
  });
  const response = await fetch(`${stack.api.url}/invoices/inv_1007`, { method: 'DELETE' });
  expect(response.status).toBe(204);
  expect(calls).toBe(1);
});

it('the user-facing client asking the token endpoint for the delete scopes gets its baseline only, and the delete is refused', async () => {
  const stepUp = tokenEndpointStepUp({
    authorizationServer: stack.metadata,
    client: stack.client,
    clientAuth: stack.clientAuth,
    resource: () => stack.audience,
    allowInsecureRequests: true,
  });
  const granted: string[] = [];
  const fetch = createStepUpFetch({
    getToken: () => stack.baselineToken(),
    heldScopes: ['invoices:read'],
    allowedResources: [stack.api.url],
    policy: { scopes: ['invoices:write', 'invoices:delete'] },
    stepUp: async (request) => {
      const token = await stepUp(request);
      granted.push(String(decodeJwt(token.accessToken).scope));
      return token;
    },
  });
  const response = await fetch(`${stack.api.url}/invoices/inv_1008`, { method: 'DELETE' });
  expect(granted).toEqual(['invoices:read']);
  expect(response.status).toBe(403);
  const list = await globalThis.fetch(`${stack.api.url}/invoices/inv_1008`, {
    headers: { authorization: `Bearer ${await stack.baselineToken()}` },
  });
  expect(list.status).toBe(200);
});
