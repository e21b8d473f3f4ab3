/**
 * Step-up without a person: the token-endpoint step-up asks the real authorization server for
 * the scopes the challenge named, by client credentials.
 */
import { createStepUpFetch, tokenEndpointStepUp } from '@actiongate/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, startStack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('express-invoices');
});
afterAll(() => stack.stop());

it('gets the delete scopes for a service client and retries once', async () => {
  let calls = 0;
  const baseline = await stack.baselineToken();
  const stepUp = tokenEndpointStepUp({
    authorizationServer: stack.metadata,
    client: stack.client,
    clientAuth: stack.clientAuth,
    resource: () => stack.audience,
    allowInsecureRequests: true,
  });
  const fetch = createStepUpFetch({
    getToken: () => baseline,
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
