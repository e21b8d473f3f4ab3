/**
 * The just-in-time rows of shared/invoice-api.md on each runtime: freshness, step-up (RFC 9470),
 * the RFC 9396 binding, single use, and the check order.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectRefusal, REFUSAL, type RefusalExpectation, refusal } from '../blackbox/support/challenge.js';
import { bearer, send } from '../blackbox/support/http.js';
import { MFA } from '../blackbox/support/keys.js';
import { useRuntime } from './support/fixture.js';
import { CASES } from './support/select.js';

const now = () => Math.floor(Date.now() / 1000);
const grantFor = (id: string) => [{ type: 'payment_refund', actions: ['refund'], identifier: id }];
const stepUp = (scope?: string, body?: Record<string, unknown>): RefusalExpectation => {
  const { status, error, description } = REFUSAL.user_authentication_required;
  return {
    status,
    challenge: { error, ...(scope === undefined ? {} : { scope }), acrValues: MFA, maxAge: '600', description },
    description,
    ...(body === undefined ? {} : { body }),
  };
};
const elevated = (id: string) => ({
  scope: 'payments:refund',
  acr: MFA,
  auth_time: now() - 30,
  authorization_details: grantFor(id),
});

describe.each(CASES)('%s (%s handler): just-in-time guarantees', (runtime, app) => {
  const fx = useRuntime(runtime, app);
  const refund = async (id: string, claims: Record<string, unknown>) =>
    send(fx.url, `/invoices/${id}/refund`, { method: 'POST', headers: bearer(await fx.mint({ claims })) });
  const scope = 'invoices:write invoices:delete';

  it('DELETE: 204 with a token issued 290 s ago; 403 with the complete scope at 310 s', async () => {
    const fresh = bearer(await fx.withScope(scope, { iat: now() - 290 }));
    expect((await send(fx.url, '/invoices/inv_1010', { method: 'DELETE', headers: fresh })).status).toBe(204);
    const stale = bearer(await fx.withScope(scope, { iat: now() - 310 }));
    const reply = await send(fx.url, '/invoices/inv_1009', { method: 'DELETE', headers: stale });
    expectRefusal(reply, fx.url, refusal('token_not_fresh', scope));
  });

  it('refunds once: 200, then 409 with a new token, then the first token is refused as replayed', async () => {
    const token = await fx.mint({ claims: elevated('inv_1001') });
    const first = await send(fx.url, '/invoices/inv_1001/refund', { method: 'POST', headers: bearer(token) });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ id: 'inv_1001', status: 'refunded' });
    expect((await refund('inv_1001', elevated('inv_1001'))).status).toBe(409);
    const replay = await send(fx.url, '/invoices/inv_1001/refund', { method: 'POST', headers: bearer(token) });
    expectRefusal(replay, fx.url, refusal('token_replayed'));
  });

  it('records the jti when allowed whatever the handler answers (404), never when refused', async () => {
    const token = await fx.mint({ claims: elevated('inv_4040') });
    const send404 = () => send(fx.url, '/invoices/inv_4040/refund', { method: 'POST', headers: bearer(token) });
    expect((await send404()).status).toBe(404);
    expectRefusal(await send404(), fx.url, refusal('token_replayed'));
    const jti = `jti-${randomUUID()}`;
    expect((await refund('inv_1002', { ...elevated('inv_1002'), jti, acr: 'urn:weak' })).status).toBe(401);
    expect((await refund('inv_1002', { ...elevated('inv_1002'), jti })).status).toBe(200);
  });

  it.each([
    ['acr missing', { acr: undefined }],
    ['acr different', { acr: 'urn:password' }],
    ['auth_time missing', { auth_time: undefined }],
    ['auth_time 601 s old', { auth_time: now() - 601 }],
  ])('%s: 401 insufficient_user_authentication', async (_, change) => {
    expectRefusal(await refund('inv_1003', { ...elevated('inv_1003'), ...change }), fx.url, stepUp());
  });

  it('one step-up asks for everything: scope in the challenge, the entry in the body', async () => {
    const reply = await refund('inv_1003', { scope: 'invoices:read' });
    expectRefusal(reply, fx.url, stepUp('payments:refund', { authorization_details: grantFor('inv_1003') }));
  });

  it.each([
    ['without payments:refund', { scope: 'invoices:read' }, 'scope_missing'],
    ['bound to another invoice', { authorization_details: grantFor('inv_1004') }, 'binding_missing'],
    ['with no authorization_details', { authorization_details: undefined }, 'binding_missing'],
    ['issued 310 s ago', { iat: now() - 310 }, 'token_not_fresh'],
  ] as const)('%s: 403 insufficient_scope', async (_, change, code) => {
    const reply = await refund('inv_1005', { ...elevated('inv_1005'), ...change });
    const body = code === 'binding_missing' ? { authorization_details: grantFor('inv_1005') } : {};
    expectRefusal(reply, fx.url, { ...refusal(code, 'payments:refund'), body });
  });

  it('checks in order: token validity, user authentication, scopes and binding, single use', async () => {
    const invalid = await refund('inv_1006', { ...elevated('inv_1006'), acr: undefined, aud: 'https://other.test' });
    expectRefusal(invalid, fx.url, refusal('token_audience'));
    const weak = await refund('inv_1006', { ...elevated('inv_1006'), scope: 'x', acr: 'urn:password' });
    expectRefusal(weak, fx.url, stepUp('payments:refund'));
    const headers = bearer(await fx.mint({ claims: elevated('inv_1006') }));
    expect((await send(fx.url, '/invoices/inv_1006/refund', { method: 'POST', headers })).status).toBe(200);
    const lacking = await send(fx.url, '/invoices/inv_1007/refund', { method: 'POST', headers });
    expectRefusal(lacking, fx.url, {
      ...refusal('binding_missing', 'payments:refund'),
      body: { authorization_details: grantFor('inv_1007') },
    });
  });
});
