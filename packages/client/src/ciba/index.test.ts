import { afterAll, beforeAll, expect, it } from 'vitest';
import { json, startServer, type TestServer } from '../../test/servers.js';
import type { StepUpRequest } from '../step-up/types.js';
import { cibaStepUp } from './index.js';

let as: TestServer;
beforeAll(async () => {
  as = await startServer((request, response) => {
    if (request.path === '/bc-authorize')
      return json(response, 200, { auth_req_id: 'req-1', expires_in: 60, interval: 1 });
    if (request.path === '/token')
      return json(response, 200, { access_token: 'ciba-token', token_type: 'bearer', expires_in: 60 });
    json(response, 404, {});
  });
});
afterAll(() => as.close());

it('asks for the verified resource, with a binding message naming action, host and scopes', async () => {
  const stepUp = cibaStepUp({
    authorizationServer: {
      issuer: as.origin,
      token_endpoint: `${as.origin}/token`,
      backchannel_authentication_endpoint: `${as.origin}/bc-authorize`,
    },
    client: { client_id: 'agent' },
    clientAuth: (_as, _client, body) => body.set('client_id', 'agent'),
    loginHint: 'alice',
    allowInsecureRequests: true,
    sleep: () => Promise.resolve(),
  });
  const request: StepUpRequest = {
    reason: 'insufficient_user_authentication',
    scope: ['invoices:read', 'payments:refund'],
    acrValues: ['urn:actiongate:mfa'],
    authorizationDetails: [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1001' }],
    resource: 'https://api.example.com/billing',
    resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource/billing',
    method: 'POST',
    url: 'https://api.example.com/billing/invoices/inv_1001/refund',
  };
  const token = await stepUp(request);
  expect(token.accessToken).toBe('ciba-token');
  expect(token.singleUse).toBe(true);
  const sent = new URLSearchParams(as.seen.find((entry) => entry.path === '/bc-authorize')?.body);
  expect(sent.get('resource')).toBe('https://api.example.com/billing');
  expect(sent.get('scope')).toBe('openid invoices:read payments:refund');
  expect(sent.get('acr_values')).toBe('urn:actiongate:mfa');
  expect(sent.get('binding_message')).toBe(
    'refund inv_1001 (payment_refund) at api.example.com, scope invoices:read payments:refund',
  );
});
