/**
 * RFC 9396 authorization details at the demo authorization server, which checks them itself
 * (oidc-provider 8 leaves them to it): a bad request is refused with the right OAuth error
 * before anyone is prompted; a good one reaches the user as sent, and the token and the token
 * response carry exactly what the user approved.
 */
import { type AuthorizationServer, startAuthorizationServer } from '@actiongate-examples/authorization-server';
import { invoiceScopes } from '@actiongate-examples/invoices-kit';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { raw } from './support/http.js';

const audience = 'http://127.0.0.1:1/';
const secret = 'test-client-secret';
const refund = { type: 'payment_refund', actions: ['refund'], identifier: 'inv_1001' };
let as: AuthorizationServer;

beforeAll(async () => {
  as = await startAuthorizationServer({
    resources: { [audience]: invoiceScopes },
    clientSecret: secret,
    approvalsPerMinute: 100,
  });
});
afterAll(() => as.close());

function post(path: string, fields: [string, string][]) {
  return raw(`${as.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

const backchannel = (details: string[]) =>
  post('/backchannel', [
    ['client_id', 'invoice-app'],
    ['client_secret', secret],
    ['login_hint', 'alice'],
    ['scope', 'openid payments:refund'],
    ['resource', audience],
    ['binding_message', 'POST /invoices/inv_1001/refund'],
    ...details.map((value): [string, string] => ['authorization_details', value]),
  ]);

it.each([
  ['not JSON', ['[{'], 'invalid_request'],
  ['not an array', [JSON.stringify(refund)], 'invalid_request'],
  ['a member that is not an object', ['["payment_refund"]'], 'invalid_request'],
  ['sent twice', [JSON.stringify([refund]), JSON.stringify([refund])], 'invalid_request'],
  ['no type', [JSON.stringify([{ actions: ['refund'], identifier: 'inv_1001' }])], 'invalid_authorization_details'],
  ['an unknown type', [JSON.stringify([{ ...refund, type: 'payment_initiation' }])], 'invalid_authorization_details'],
  [
    'a type check failing',
    [JSON.stringify([{ type: 'payment_refund', actions: ['refund'] }])],
    'invalid_authorization_details',
  ],
  ['a bad common field', [JSON.stringify([{ ...refund, actions: ['refund', 7] }])], 'invalid_authorization_details'],
  ['an empty identifier', [JSON.stringify([{ ...refund, identifier: '' }])], 'invalid_authorization_details'],
])('a CIBA request with details %s is refused before anyone is asked', async (_name, details, error) => {
  const before = as.backchannelRequests();
  const response = await backchannel(details);
  expect(response.status).toBe(400);
  expect(JSON.parse(response.body).error).toBe(error);
  expect(as.backchannelRequests()).toBe(before);
  expect(as.inbox.list('alice')).toEqual([]);
});

it('details at the token endpoint are refused, not dropped from a token', async () => {
  const response = await post('/token', [
    ['grant_type', 'client_credentials'],
    ['client_id', 'invoice-app'],
    ['client_secret', secret],
    ['scope', 'invoices:read'],
    ['resource', audience],
    ['authorization_details', JSON.stringify([refund])],
  ]);
  expect(response.status).toBe(400);
  expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
});

it('approved details reach the user as sent and the token and token response carry exactly them', async () => {
  const response = await backchannel([JSON.stringify([refund])]);
  expect(response.status).toBe(200);
  const { auth_req_id: authReqId } = JSON.parse(response.body) as { auth_req_id: string };
  const [pending] = as.inbox.list('alice');
  expect(pending?.authorizationDetails).toEqual([refund]);
  expect(await as.inbox.decide(pending?.id as string, 'approve', 'alice')).toBe(true);

  await new Promise((resolve) => setTimeout(resolve, 1000)); // the poll interval
  const token = await post('/token', [
    ['grant_type', 'urn:openid:params:grant-type:ciba'],
    ['client_id', 'invoice-app'],
    ['client_secret', secret],
    ['auth_req_id', authReqId],
  ]);
  expect(token.status).toBe(200);
  const body = JSON.parse(token.body) as { access_token: string; authorization_details?: unknown };
  // RFC 9396 §7: the token response names the details granted.
  expect(body.authorization_details).toEqual([refund]);
  const claims = decodeJwt(body.access_token);
  expect(claims.authorization_details).toEqual([refund]);
  expect(claims.scope).toBe('payments:refund');
  expect(claims.aud).toBe(audience);
});
