/**
 * Routes and scopes: what a sufficient token gets, and the 403 insufficient_scope that names
 * the action's complete requirement when it falls short.
 */
import { describe, expect, it } from 'vitest';
import { EXPORT_DESCRIPTION, expectRefusal, refusal } from './support/challenge.js';
import { EXAMPLES } from './support/example.js';
import { useExample } from './support/fixture.js';
import { bearer, send } from './support/http.js';
import { ISSUER, MFA } from './support/keys.js';

const now = () => Math.floor(Date.now() / 1000);
/** What a refund needs besides the scope (shared/invoice-api.md, the refund row). */
const stepUpFor = (id: string) => ({
  acr: MFA,
  auth_time: now() - 10,
  authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: id }],
});

const SCOPES_SUPPORTED = [
  'invoices:admin',
  'invoices:delete',
  'invoices:export',
  'invoices:read',
  'invoices:write',
  'payments:refund',
];

function expectInvoice(invoice: unknown, id?: string): void {
  expect(invoice).toEqual({
    id: id ?? expect.stringMatching(/^inv_10(0[1-9]|10)$/),
    customer: expect.any(String),
    amount: expect.any(Number),
    currency: expect.any(String),
    status: expect.stringMatching(/^(open|refunded)$/),
  });
}

describe.each(EXAMPLES)('%s: routes and scopes', (name) => {
  const fx = useExample(name);

  it('prints its real address', () => {
    expect(fx.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  });

  it('serves RFC 9728 metadata without a token', async () => {
    const reply = await send(fx.url, '/.well-known/oauth-protected-resource');
    expect(reply.status).toBe(200);
    expect(String(reply.headers['content-type'])).toMatch(/^application\/json/);
    expect(reply.json).toEqual({
      resource: fx.url,
      authorization_servers: [ISSUER],
      scopes_supported: SCOPES_SUPPORTED,
      bearer_methods_supported: ['header'],
    });
    expect(reply.json?.scopes_supported).toEqual([...new Set(SCOPES_SUPPORTED)].sort());
  });

  it('lists and reads invoices with invoices:read', async () => {
    const headers = bearer(await fx.withScope('invoices:read'));
    const list = await send(fx.url, '/invoices', { headers });
    expect(list.status).toBe(200);
    expect(Object.keys(list.json ?? {})).toEqual(['invoices']);
    const invoices = list.json?.invoices as unknown[];
    expect(invoices).toHaveLength(10);
    for (const invoice of invoices) expectInvoice(invoice);
    const one = await send(fx.url, '/invoices/inv_1001', { headers });
    expect(one.status).toBe(200);
    expectInvoice(one.json, 'inv_1001');
    expect(one.json?.status).toBe('open');
    expect(invoices).toContainEqual(one.json);
  });

  it('answers an unknown invoice with 404 only after the token passed', async () => {
    expect(
      (await send(fx.url, '/invoices/inv_9999', { headers: bearer(await fx.withScope('invoices:read')) })).status,
    ).toBe(404);
    expectRefusal(await send(fx.url, '/invoices/inv_9999'), fx.url, refusal('token_missing'));
    // A token lacking the scope gets the 403, not the 404.
    const lacking = await send(fx.url, '/invoices/inv_9999', { headers: bearer(await fx.withScope('invoices:write')) });
    expectRefusal(lacking, fx.url, refusal('scope_missing', 'invoices:read'));
  });

  it.each(['invoices:export', 'invoices:admin', 'invoices:read invoices:admin'])(
    'exports with %s: 202',
    async (scope) => {
      const reply = await send(fx.url, '/invoices/export', {
        method: 'POST',
        headers: bearer(await fx.withScope(scope)),
      });
      expect(reply.status).toBe(202);
      expect(Object.keys(reply.json ?? {})).toEqual(['export_id']);
      expect(reply.json?.export_id).toEqual(expect.any(String));
    },
  );

  it('deletes with invoices:write and invoices:delete: 204, then the invoice is gone', async () => {
    const headers = bearer(await fx.withScope('invoices:write invoices:delete'));
    const reply = await send(fx.url, '/invoices/inv_1002', { method: 'DELETE', headers });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    const read = bearer(await fx.withScope('invoices:read'));
    expect((await send(fx.url, '/invoices/inv_1002', { headers: read })).status).toBe(404);
    const list = await send(fx.url, '/invoices', { headers: read });
    expect(list.json?.invoices).toHaveLength(9);
    expect((await send(fx.url, '/invoices/inv_1002', { method: 'DELETE', headers })).status).toBe(404);
  });

  it('refunds with payments:refund: 200, then 409 the second time', async () => {
    const refund = async () =>
      send(fx.url, '/invoices/inv_1003/refund', {
        method: 'POST',
        headers: bearer(await fx.withScope('payments:refund', stepUpFor('inv_1003'))),
      });
    const first = await refund();
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ id: 'inv_1003', status: 'refunded' });
    const second = await refund();
    expect(second.status).toBe(409);
    const read = bearer(await fx.withScope('invoices:read'));
    expect((await send(fx.url, '/invoices/inv_1003', { headers: read })).json?.status).toBe('refunded');
  });

  it.each([
    ['GET', '/invoices', 'invoices:write', 'invoices:read'],
    ['GET', '/invoices', 'invoices:readx invoices:admin', 'invoices:read'],
    ['GET', '/invoices/inv_1001', 'openid', 'invoices:read'],
    ['DELETE', '/invoices/inv_1004', 'invoices:write', 'invoices:write invoices:delete'],
    ['DELETE', '/invoices/inv_1004', 'invoices:delete', 'invoices:write invoices:delete'],
    ['DELETE', '/invoices/inv_1004', 'invoices:admin', 'invoices:write invoices:delete'],
    ['POST', '/invoices/inv_1005/refund', 'invoices:read', 'payments:refund'],
    ['POST', '/invoices/inv_1005/refund', 'invoices:admin', 'payments:refund'],
  ])('%s %s with %j: 403 naming every scope the action needs', async (method, path, held, needed) => {
    const claims = method === 'POST' ? stepUpFor('inv_1005') : {};
    const reply = await send(fx.url, path, { method, headers: bearer(await fx.withScope(held, claims)) });
    expectRefusal(reply, fx.url, refusal('scope_missing', needed));
  });

  it.each([
    ['GET', '/invoices', 'invoices:read'],
    ['POST', '/invoices/export', 'invoices:export'],
    ['DELETE', '/invoices/inv_1006', 'invoices:write invoices:delete'],
  ])('a token without any scope claim: %s %s is a 403 naming %s', async (method, path, needed) => {
    const reply = await send(fx.url, path, { method, headers: bearer(await fx.mint()) });
    const expected =
      path === '/invoices/export'
        ? refusal('scope_missing', needed, EXPORT_DESCRIPTION)
        : refusal('scope_missing', needed);
    expectRefusal(reply, fx.url, expected);
  });

  it('a token with an empty scope is a 403 too, never scope=""', async () => {
    const reply = await send(fx.url, '/invoices', { headers: bearer(await fx.withScope('')) });
    expectRefusal(reply, fx.url, refusal('scope_missing', 'invoices:read'));
    expect(reply.challenge).not.toContain('scope=""');
  });

  it('a refund without payments:refund, and with the step-up done, is a 403', async () => {
    const reply = await send(fx.url, '/invoices/inv_1007/refund', {
      method: 'POST',
      headers: bearer(await fx.mint({ claims: stepUpFor('inv_1007') })),
    });
    expectRefusal(reply, fx.url, refusal('scope_missing', 'payments:refund'));
  });

  it.each(['invoices:read', 'invoices:write invoices:delete', ''])(
    'export with %j: 403 naming the first alternative and saying any one suffices',
    async (scope) => {
      const reply = await send(fx.url, '/invoices/export', {
        method: 'POST',
        headers: bearer(await fx.withScope(scope)),
      });
      expectRefusal(reply, fx.url, refusal('scope_missing', 'invoices:export', EXPORT_DESCRIPTION));
    },
  );

  it('the same refusal yields the same header, byte for byte', async () => {
    const a = await send(fx.url, '/invoices', { headers: bearer(await fx.withScope('x')) });
    const b = await send(fx.url, '/invoices', { headers: bearer(await fx.withScope('y', { sub: 'other' })) });
    expect(a.challenge).toBe(b.challenge);
    expect(a.text).toBe(b.text);
  });
});
