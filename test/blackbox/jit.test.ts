/**
 * The just-in-time rows of the contract: freshness on delete; step-up, binding, freshness
 * and single use on refund; and the fixed check order.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, useRedis } from '../support/redis-server.js';
import { expectRefusal, REFUSAL, type RefusalExpectation, refusal } from './support/challenge.js';
import { EXAMPLES } from './support/example.js';
import { useExample } from './support/fixture.js';
import { bearer, send } from './support/http.js';
import { MFA } from './support/keys.js';

const now = () => Math.floor(Date.now() / 1000);
const grantFor = (id: string) => [{ type: 'payment_refund', actions: ['refund'], identifier: id }];
/** RFC 9470 §3: 401 insufficient_user_authentication, with `scope` when a 403 would follow. */
const stepUp = (scope?: string, body?: Record<string, unknown>): RefusalExpectation => {
  const { status, error, description } = REFUSAL.user_authentication_required;
  return {
    status,
    challenge: { error, ...(scope === undefined ? {} : { scope }), acrValues: MFA, maxAge: '600', description },
    description,
    ...(body === undefined ? {} : { body }),
  };
};
/** Everything a refund of `id` needs, over which each case changes one thing. */
const elevated = (id: string) => ({
  scope: 'payments:refund',
  acr: MFA,
  auth_time: now() - 30,
  authorization_details: grantFor(id),
});

let redis: Pick<RedisServer, 'url' | 'stop'> | undefined;
beforeAll(async () => {
  redis = await useRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const stores = ['in memory', 'on Redis'] as const;
const cases = EXAMPLES.flatMap((name) => stores.map((store) => [name, store] as const));

describe.each(cases)('%s, single use %s: just-in-time guarantees', (name, store) => {
  const fx = useExample(
    name,
    (): Record<string, string> => (store === 'on Redis' ? { REDIS_URL: (redis as Pick<RedisServer, 'url'>).url } : {}),
  );
  const refund = async (id: string, claims: Record<string, unknown>) =>
    send(fx.url, `/invoices/${id}/refund`, { method: 'POST', headers: bearer(await fx.mint({ claims })) });

  describe('DELETE /invoices/:id (maxTokenAge 300)', () => {
    const scope = 'invoices:write invoices:delete';
    // The exact boundary (300 s passes, 301 s does not) is unit-tested with a fixed clock; over
    // real HTTP a second may tick between minting and checking, so these keep a margin.
    it('deletes with a token issued 298 s ago', async () => {
      const reply = await send(fx.url, '/invoices/inv_1010', {
        method: 'DELETE',
        headers: bearer(await fx.withScope(scope, { iat: now() - 298 })),
      });
      expect(reply.status).toBe(204);
    });

    it('refuses a token issued 302 s ago with 403 and the complete scope', async () => {
      const reply = await send(fx.url, '/invoices/inv_1009', {
        method: 'DELETE',
        headers: bearer(await fx.withScope(scope, { iat: now() - 302 })),
      });
      expectRefusal(reply, fx.url, refusal('token_not_fresh', scope));
    });
  });

  describe('POST /invoices/:id/refund', () => {
    it('refunds with everything the action needs, then 409, and the same token is refused after', async () => {
      const token = await fx.mint({ claims: elevated('inv_1001') });
      const first = await send(fx.url, '/invoices/inv_1001/refund', { method: 'POST', headers: bearer(token) });
      expect(first.status).toBe(200);
      expect(first.json).toEqual({ id: 'inv_1001', status: 'refunded' });
      const again = await refund('inv_1001', elevated('inv_1001'));
      expect(again.status).toBe(409);
      const replay = await send(fx.url, '/invoices/inv_1001/refund', { method: 'POST', headers: bearer(token) });
      expectRefusal(replay, fx.url, refusal('token_replayed'));
    });

    it('records the jti when a guarded request is allowed, whatever the handler answers (404)', async () => {
      const token = await fx.mint({ claims: elevated('inv_4040') });
      const send404 = () => send(fx.url, '/invoices/inv_4040/refund', { method: 'POST', headers: bearer(token) });
      expect((await send404()).status).toBe(404);
      expect((await send404()).status).toBe(401);
    });

    it('never records the jti of a refused request', async () => {
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
      const reply = await refund('inv_1003', { ...elevated('inv_1003'), ...change });
      expectRefusal(reply, fx.url, stepUp());
    });

    it('one step-up asks for everything: scope in the challenge, the entry in the body', async () => {
      const reply = await refund('inv_1003', { scope: 'invoices:read' });
      expectRefusal(reply, fx.url, stepUp('payments:refund', { authorization_details: grantFor('inv_1003') }));
    });

    it.each([
      ['without payments:refund', { scope: 'invoices:read' }, 'scope_missing'],
      ['bound to another invoice', { authorization_details: grantFor('inv_1004') }, 'binding_missing'],
      ['with no authorization_details', { authorization_details: undefined }, 'binding_missing'],
      [
        'with a malformed authorization_details',
        { authorization_details: { type: 'payment_refund' } },
        'binding_missing',
      ],
      ['issued 302 s ago', { iat: now() - 302 }, 'token_not_fresh'],
    ] as const)('%s: 403 insufficient_scope', async (_, change, code) => {
      const reply = await refund('inv_1005', { ...elevated('inv_1005'), ...change });
      const body = code === 'binding_missing' ? { authorization_details: grantFor('inv_1005') } : {};
      expectRefusal(reply, fx.url, { ...refusal(code, 'payments:refund'), body });
    });

    it('checks in order: token validity before user authentication before scopes', async () => {
      const invalid = await refund('inv_1006', { ...elevated('inv_1006'), acr: undefined, aud: 'https://other.test' });
      expectRefusal(invalid, fx.url, refusal('token_audience'));
      const weak = await refund('inv_1006', { ...elevated('inv_1006'), scope: 'x', acr: 'urn:password' });
      expectRefusal(weak, fx.url, stepUp('payments:refund'));
      // Scopes (403) before single use (401): a replayed token lacking the scope gets the 403.
      const token = await fx.mint({ claims: elevated('inv_1006') });
      const headers = bearer(token);
      expect((await send(fx.url, '/invoices/inv_1006/refund', { method: 'POST', headers })).status).toBe(200);
      const lacking = await send(fx.url, '/invoices/inv_1007/refund', { method: 'POST', headers });
      expectRefusal(lacking, fx.url, {
        ...refusal('binding_missing', 'payments:refund'),
        body: { authorization_details: grantFor('inv_1007') },
      });
    });
  });
});
