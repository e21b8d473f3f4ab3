/**
 * Routes and scopes: what a sufficient token gets, and the 403 insufficient_scope that names
 * the action's complete requirement when it falls short.
 */
import { describe, expect, it } from 'vitest';
import { challenge, challengeFor } from './support/challenge.js';
import { EXAMPLES } from './support/example.js';
import { useExample } from './support/fixture.js';
import { bearer, send } from './support/http.js';
import { ISSUER } from './support/keys.js';

const SCOPE_DESCRIPTION = 'The access token lacks the scopes this action requires';

describe.each(EXAMPLES)('%s: routes and scopes', (name) => {
  const fx = useExample(name);

  it('serves RFC 9728 metadata', async () => {
    const reply = await send(fx.url, '/.well-known/oauth-protected-resource');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      resource: fx.url,
      authorization_servers: [ISSUER],
      scopes_supported: [
        'invoices:admin',
        'invoices:delete',
        'invoices:export',
        'invoices:read',
        'invoices:write',
        'payments:refund',
      ],
      bearer_methods_supported: ['header'],
    });
  });

  it('lists and reads invoices with invoices:read', async () => {
    const headers = bearer(await fx.withScope('invoices:read'));
    const list = await send(fx.url, '/invoices', { headers });
    expect(list.status).toBe(200);
    expect(list.json?.invoices).toHaveLength(10);
    const one = await send(fx.url, '/invoices/inv_1001', { headers });
    expect(one.status).toBe(200);
    expect(Object.keys(one.json ?? {}).sort()).toEqual(['amount', 'currency', 'customer', 'id', 'status']);
    expect(one.json).toMatchObject({ id: 'inv_1001', status: 'open' });
    expect((await send(fx.url, '/invoices/inv_9999', { headers })).status).toBe(404);
  });

  it('answers an unknown invoice only after the token passed', async () => {
    expect((await send(fx.url, '/invoices/inv_9999')).status).toBe(401);
    const reply = await send(fx.url, '/invoices/inv_9999', { headers: bearer(await fx.withScope('other')) });
    expect(reply.status).toBe(403);
  });

  it.each(['invoices:export', 'invoices:admin', 'invoices:read invoices:admin'])('exports with %s', async (scope) => {
    const reply = await send(fx.url, '/invoices/export', {
      method: 'POST',
      headers: bearer(await fx.withScope(scope)),
    });
    expect(reply.status).toBe(202);
    expect(typeof reply.json?.export_id).toBe('string');
  });

  it.each([
    ['GET', '/invoices', 'invoices:write', 'invoices:read'],
    ['GET', '/invoices/inv_1001', '', 'invoices:read'],
    ['DELETE', '/invoices/inv_1001', 'invoices:write', 'invoices:write invoices:delete'],
    ['POST', '/invoices/inv_1001/refund', 'invoices:read', 'payments:refund'],
  ])('%s %s with %j: 403 naming every scope the action needs', async (method, path, held, needed) => {
    const claims = method === 'POST' ? { acr: 'urn:actiongate:mfa', auth_time: Math.floor(Date.now() / 1000) } : {};
    const reply = await send(fx.url, path, { method, headers: bearer(await fx.withScope(held, claims)) });
    expect(reply.status).toBe(403);
    expect(reply.challenge).toBe(challengeFor(fx.url, 'scope_missing', needed));
    expect(reply.json?.error).toBe('insufficient_scope');
  });

  it('a token without any scope claim is a 403, not a 401', async () => {
    const reply = await send(fx.url, '/invoices', { headers: bearer(await fx.mint()) });
    expect(reply.status).toBe(403);
    expect(reply.challenge).toBe(challengeFor(fx.url, 'scope_missing', 'invoices:read'));
  });

  it('an any-of action names the first alternative and says any one suffices', async () => {
    const reply = await send(fx.url, '/invoices/export', {
      method: 'POST',
      headers: bearer(await fx.withScope('invoices:read')),
    });
    const description = `${SCOPE_DESCRIPTION}; any one of these suffices: invoices:export or invoices:admin`;
    expect(reply.status).toBe(403);
    expect(reply.challenge).toBe(
      challenge(fx.url, { error: 'insufficient_scope', scope: 'invoices:export', description }),
    );
    expect(reply.json).toEqual({ error: 'insufficient_scope', error_description: description });
  });

  it('the same refusal yields the same header, byte for byte', async () => {
    const a = await send(fx.url, '/invoices', { headers: bearer(await fx.withScope('x')) });
    const b = await send(fx.url, '/invoices', { headers: bearer(await fx.withScope('y')) });
    expect(a.challenge).toBe(b.challenge);
  });
});
