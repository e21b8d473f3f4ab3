/**
 * Every refusal of shared/invoice-api.md, byte for byte, and the allows, from the conformance
 * server running on Bun, Deno and workerd (test/blackbox's expectations, unchanged).
 */
import { createHmac } from 'node:crypto';
import type { RefusalCode } from '@actiongate/core';
import { describe, expect, it } from 'vitest';
import { EXPORT_DESCRIPTION, expectRefusal, metadataUrl, refusal } from '../blackbox/support/challenge.js';
import { bearer, send } from '../blackbox/support/http.js';
import { handcrafted, ISSUER } from '../blackbox/support/keys.js';
import { type RuntimeFixture, useRuntime } from './support/fixture.js';
import { CASES, USER_AGENT } from './support/select.js';

const now = () => Math.floor(Date.now() / 1000);
const FORM: [string, string] = ['content-type', 'application/x-www-form-urlencoded'];
const JSON_BODY: [string, string] = ['content-type', 'application/json'];
const read = { scope: 'invoices:read' };
const claims = (fx: RuntimeFixture, extra: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: fx.url,
  sub: 'user-1',
  client_id: 'client-1',
  iat: now(),
  exp: now() + 300,
  jti: 'jti-1',
  ...read,
  ...extra,
});

type TokenCase = [string, (fx: RuntimeFixture) => Promise<string>, RefusalCode];

const invalidTokens: TokenCase[] = [
  ['garbage', async () => 'abc', 'token_malformed'],
  ['a JWE (five parts)', async () => 'a.b.c.d.e', 'token_malformed'],
  ['an empty signature', async (fx) => (await fx.withScope('invoices:read')).replace(/[^.]+$/, ''), 'token_signature'],
  [
    'a stranger key with a known kid',
    (fx) => fx.mint({ claims: read, key: fx.keys.strangerPrivate }),
    'token_signature',
  ],
  ['alg none', async (fx) => handcrafted({ alg: 'none', typ: 'at+jwt' }, claims(fx)), 'token_algorithm'],
  [
    'HS256 signed with the RSA public key (key confusion)',
    async (fx) => {
      const unsigned = handcrafted({ alg: 'HS256', typ: 'at+jwt', kid: 'rsa-1' }, claims(fx)).slice(0, -1);
      return `${unsigned}.${createHmac('sha256', fx.keys.rsaPublicPem).update(unsigned).digest('base64url')}`;
    },
    'token_algorithm',
  ],
  [
    'RS512',
    async (fx) => handcrafted({ alg: 'RS512', typ: 'at+jwt', kid: 'rsa-1' }, claims(fx), 'c2ln'),
    'token_algorithm',
  ],
  ['typ JWT', (fx) => fx.mint({ claims: read, header: { typ: 'JWT' } }), 'token_type'],
  ['no typ', (fx) => fx.mint({ claims: read, header: { typ: undefined } }), 'token_type'],
  ['a wrong iss', (fx) => fx.mint({ claims: { ...read, iss: 'https://evil.test' } }), 'token_issuer'],
  ['aud without the audience', (fx) => fx.mint({ claims: { ...read, aud: 'https://other.test' } }), 'token_audience'],
  ['expired 61 s ago', (fx) => fx.mint({ claims: { ...read, exp: now() - 61 } }), 'token_expired'],
  ['nbf 120 s ahead', (fx) => fx.mint({ claims: { ...read, nbf: now() + 120 } }), 'token_not_yet_valid'],
  ['iat 120 s ahead', (fx) => fx.mint({ claims: { ...read, iat: now() + 120 } }), 'token_not_yet_valid'],
  ['no sub', (fx) => fx.mint({ claims: { ...read, sub: undefined } }), 'token_claims'],
  ['no jti', (fx) => fx.mint({ claims: { ...read, jti: undefined } }), 'token_claims'],
  ['a numeric sub', (fx) => fx.mint({ claims: { ...read, sub: 42 } }), 'token_claims'],
  ['a string exp', (fx) => fx.mint({ claims: { ...read, exp: String(now() + 300) } }), 'token_claims'],
  ['a scope array', (fx) => fx.mint({ claims: { scope: ['invoices:read'] } }), 'token_claims'],
  ['an unknown kid', (fx) => fx.mint({ claims: read, header: { kid: 'nope' } }), 'token_key_unknown'],
  ['over 8 KiB', (fx) => fx.mint({ claims: { ...read, padding: 'x'.repeat(9000) } }), 'token_too_large'],
];

describe.each(CASES)('%s (%s handler): the invoice API', (runtime, app) => {
  const fx = useRuntime(runtime, app);

  it(`answers from ${runtime} itself, and GET /health without a token`, async () => {
    const who = await send(fx.url, '/runtime');
    expect(String(who.json?.userAgent)).toMatch(USER_AGENT[runtime]);
    const reply = await send(fx.url, '/health');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: 'ok' });
  });

  it('serves the RFC 9728 metadata document', async () => {
    const reply = await send(fx.url, '/.well-known/oauth-protected-resource');
    expect(reply.status).toBe(200);
    expect(String(reply.headers['content-type'])).toMatch(/^application\/json/);
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
    expect(metadataUrl(fx.url)).toBe(`${fx.url}/.well-known/oauth-protected-resource`);
  });

  it.each([
    ['no Authorization header', []],
    ['another scheme (Basic)', [['authorization', 'Basic dXNlcjpwYXNz']]],
  ] as [string, [string, string][]][])('%s: 401 with no error', async (_, headers) => {
    for (const path of ['/invoices', '/invoices/inv_1001', '/invoices/inv_9999'])
      expectRefusal(await send(fx.url, path, { headers }), fx.url, refusal('token_missing'));
    expectRefusal(
      await send(fx.url, '/invoices/export', { method: 'POST', headers }),
      fx.url,
      refusal('token_missing'),
    );
  });

  it.each([['Bearer'], ['Bearer '], ['Bearer a b'], ['Bearer tok"en'], ['Bearer \tabc']])(
    'Authorization %j: 400 invalid_request',
    async (value) => {
      const reply = await send(fx.url, '/invoices', { headers: [['authorization', value]] });
      expectRefusal(reply, fx.url, refusal('authorization_malformed'));
    },
  );

  // A Web `Headers` joins repeated fields with ", " (Fetch §2.2.2): no Bearer or DPoP credential
  // holds ", ", so such a value is refused as a repeat; a comma alone (`Bearer a,b`) is one field
  // that is not a b64token (RFC 6750 §2.1), refused as malformed exactly as on Node.
  it('Authorization "Bearer abc, Bearer def": 400 invalid_request (as repeated)', async () => {
    const reply = await send(fx.url, '/invoices', { headers: [['authorization', 'Bearer abc, Bearer def']] });
    expectRefusal(reply, fx.url, refusal('authorization_repeated'));
  });

  it('Authorization "Bearer a,b": 400 invalid_request (malformed)', async () => {
    const reply = await send(fx.url, '/invoices', { headers: [['authorization', 'Bearer a,b']] });
    expectRefusal(reply, fx.url, refusal('authorization_malformed'));
  });

  it('Authorization with non-ASCII bytes: 400 invalid_request', async () => {
    const reply = await send(fx.url, '/invoices', { headers: [['authorization', 'Bearer tökén']] });
    expectRefusal(reply, fx.url, refusal('authorization_malformed'));
  });

  it.each([
    ['two Bearer tokens', ['Bearer {token}', 'Bearer {token}']],
    ['Basic and Bearer', ['Basic dXNlcjpwYXNz', 'Bearer {token}']],
  ])('two Authorization headers (%s): 400, repeated', async (_, values) => {
    const token = await fx.withScope('invoices:read');
    const headers = values.map((value): [string, string] => ['authorization', value.replace('{token}', token)]);
    expectRefusal(await send(fx.url, '/invoices', { headers }), fx.url, refusal('authorization_repeated'));
  });

  it('a token in the query is refused, with or without a header', async () => {
    for (const headers of [[], bearer(await fx.withScope('invoices:read'))])
      expectRefusal(await send(fx.url, '/invoices?access_token=x', { headers }), fx.url, refusal('token_in_query'));
    expectRefusal(await send(fx.url, '/invoices?access_token='), fx.url, refusal('token_in_query'));
    expectRefusal(await send(fx.url, '/invoices?access_token=a&access_token=b'), fx.url, refusal('token_in_query'));
  });

  it('a token in a form or JSON body is refused, with or without a header', async () => {
    const token = await fx.withScope('invoices:export');
    for (const auth of [[], bearer(token)]) {
      const form = await send(fx.url, '/invoices/export', {
        method: 'POST',
        headers: [FORM, ...auth],
        body: `access_token=${token}`,
      });
      expectRefusal(form, fx.url, refusal('token_in_body'));
      const body = JSON.stringify({ access_token: token });
      const json = await send(fx.url, '/invoices/export', { method: 'POST', headers: [JSON_BODY, ...auth], body });
      expectRefusal(json, fx.url, refusal('token_in_body'));
    }
  });

  it('a body that does not parse still gets the guard’s answer first', async () => {
    const reply = await send(fx.url, '/invoices/export', { method: 'POST', headers: [JSON_BODY], body: '{not json' });
    expectRefusal(reply, fx.url, refusal('token_missing'));
  });

  it.each(invalidTokens)('%s: 401 invalid_token, before any scope or 404', async (_, make, code) => {
    const token = await make(fx);
    expectRefusal(await send(fx.url, '/invoices', { headers: bearer(token) }), fx.url, refusal(code));
    const del = await send(fx.url, '/invoices/inv_9999', { method: 'DELETE', headers: bearer(token) });
    expectRefusal(del, fx.url, refusal(code));
  });

  it('above 8 KiB, up to its own header limit the guard refuses; beyond, the 431 stands: never an allow', async () => {
    const token = await fx.mint({ claims: { ...read, padding: 'x'.repeat(20_000) } });
    const reply = await send(fx.url, '/invoices', { headers: bearer(token) });
    if (reply.status === 431) return;
    expectRefusal(reply, fx.url, refusal('token_too_large'));
  });

  it('allows RS256, ES256, PS256 and EdDSA, application/at+jwt, an aud array and the clock tolerance', async () => {
    const tokens = [
      await fx.mint({ claims: read }),
      await fx.mint({ claims: read, header: { typ: 'application/at+jwt' } }),
      await fx.mint({ claims: { ...read, aud: ['https://other.test', fx.url] } }),
      await fx.mint({ claims: read, header: { alg: 'ES256', kid: 'ec-1' }, key: fx.keys.ecPrivate }),
      await fx.mint({ claims: read, header: { alg: 'PS256', kid: 'ps-1' }, key: fx.keys.psPrivate }),
      await fx.mint({ claims: read, header: { alg: 'EdDSA', kid: 'ed-1' }, key: fx.keys.edPrivate }),
      await fx.mint({ claims: { ...read, exp: now() - 30 } }),
      await fx.mint({ claims: { ...read, iat: now() + 30 } }),
    ];
    for (const token of tokens) {
      const reply = await send(fx.url, '/invoices', { headers: bearer(token) });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.challenge).toBeUndefined();
      expect(Array.isArray(reply.json?.invoices)).toBe(true);
    }
  });

  it('GET /invoices/:id: 200, or 404 only after the token passed', async () => {
    const headers = bearer(await fx.withScope('invoices:read'));
    const found = await send(fx.url, '/invoices/inv_1002', { headers });
    expect(found.status).toBe(200);
    expect(found.json).toEqual({ id: 'inv_1002', customer: 'Initech', amount: 250, currency: 'EUR', status: 'open' });
    expect((await send(fx.url, '/invoices/inv_9999', { headers })).status).toBe(404);
  });

  it('403 insufficient_scope names every scope the action needs', async () => {
    const none = await send(fx.url, '/invoices', { headers: bearer(await fx.withScope('openid')) });
    expectRefusal(none, fx.url, refusal('scope_missing', 'invoices:read'));
    const noScopeClaim = await send(fx.url, '/invoices', { headers: bearer(await fx.mint()) });
    expectRefusal(noScopeClaim, fx.url, refusal('scope_missing', 'invoices:read'));
    const half = bearer(await fx.withScope('invoices:write'));
    const del = await send(fx.url, '/invoices/inv_1001', { method: 'DELETE', headers: half });
    expectRefusal(del, fx.url, refusal('scope_missing', 'invoices:write invoices:delete'));
  });

  it('any-of: either scope exports (202); neither gets the first alternative and the any-of description', async () => {
    for (const scope of ['invoices:export', 'invoices:admin']) {
      const reply = await send(fx.url, '/invoices/export', {
        method: 'POST',
        headers: bearer(await fx.withScope(scope)),
      });
      expect(reply.status).toBe(202);
      expect(String(reply.json?.export_id)).toMatch(/^exp_/);
    }
    const reply = await send(fx.url, '/invoices/export', {
      method: 'POST',
      headers: bearer(await fx.withScope('invoices:read')),
    });
    expectRefusal(reply, fx.url, refusal('scope_missing', 'invoices:export', EXPORT_DESCRIPTION));
  });
});
