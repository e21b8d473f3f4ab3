/**
 * Token validity (RFC 9068, RFC 6750 §3.1): every bad token gets 401 invalid_token with its
 * fixed description, never a 5xx and never an allow.
 */
import { createHmac } from 'node:crypto';
import type { RefusalCode } from '@actiongate/core';
import { describe, expect, it } from 'vitest';
import { expectRefusal, refusal } from './support/challenge.js';
import { EXAMPLES } from './support/example.js';
import { type Fixture, useExample } from './support/fixture.js';
import { bearer, send } from './support/http.js';
import { handcrafted, ISSUER } from './support/keys.js';

const now = () => Math.floor(Date.now() / 1000);

type Case = [string, (fx: Fixture) => Promise<string>, RefusalCode];

const read = { scope: 'invoices:read' };
const claims = (fx: Fixture, extra: Record<string, unknown> = {}) => ({
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

const cases: Case[] = [
  ['garbage', async () => 'abc', 'token_malformed'],
  ['three parts of garbage', async () => 'abc.def.ghi', 'token_malformed'],
  ['a JWE (five parts)', async () => 'a.b.c.d.e', 'token_malformed'],
  ['an empty signature', async (fx) => (await fx.withScope('invoices:read')).replace(/[^.]+$/, ''), 'token_signature'],
  [
    'a signature of another token',
    async (fx) => {
      const [a, b] = [await fx.withScope('invoices:read'), await fx.withScope('invoices:admin')];
      return `${a.split('.').slice(0, 2).join('.')}.${b.split('.')[2]}`;
    },
    'token_signature',
  ],
  [
    'a signature by a stranger key with a known kid',
    (fx) => fx.mint({ claims: read, key: fx.keys.strangerPrivate }),
    'token_signature',
  ],
  [
    'an ES256 header over an RS256 key id',
    (fx) => fx.mint({ claims: read, header: { alg: 'ES256', kid: 'rsa-1' }, key: fx.keys.ecPrivate }),
    'token_key_unknown',
  ],
  ['alg none', async (fx) => handcrafted({ alg: 'none', typ: 'at+jwt' }, claims(fx)), 'token_algorithm'],
  [
    'alg none with a kid and a signature',
    async (fx) => handcrafted({ alg: 'none', typ: 'at+jwt', kid: 'rsa-1' }, claims(fx), 'c2ln'),
    'token_algorithm',
  ],
  ['alg NONE', async (fx) => handcrafted({ alg: 'NONE', typ: 'at+jwt' }, claims(fx)), 'token_algorithm'],
  [
    'HS256 signed with the RSA public key as PEM bytes (key confusion)',
    async (fx) => {
      const unsigned = handcrafted({ alg: 'HS256', typ: 'at+jwt', kid: 'rsa-1' }, claims(fx)).slice(0, -1);
      const signature = createHmac('sha256', fx.keys.rsaPublicPem).update(unsigned).digest('base64url');
      return `${unsigned}.${signature}`;
    },
    'token_algorithm',
  ],
  [
    'RS512, an algorithm outside the accepted list',
    async (fx) => handcrafted({ alg: 'RS512', typ: 'at+jwt', kid: 'rsa-1' }, claims(fx), 'c2ln'),
    'token_algorithm',
  ],
  ['typ JWT', (fx) => fx.mint({ claims: read, header: { typ: 'JWT' } }), 'token_type'],
  ['no typ', (fx) => fx.mint({ claims: read, header: { typ: undefined } }), 'token_type'],
  ['typ id_token+jwt', (fx) => fx.mint({ claims: read, header: { typ: 'id_token+jwt' } }), 'token_type'],
  ['a wrong iss', (fx) => fx.mint({ claims: { ...read, iss: 'https://evil.test' } }), 'token_issuer'],
  ['iss with a trailing slash', (fx) => fx.mint({ claims: { ...read, iss: `${ISSUER}/` } }), 'token_issuer'],
  ['aud without the audience', (fx) => fx.mint({ claims: { ...read, aud: 'https://other.test' } }), 'token_audience'],
  [
    'an aud array without the audience',
    (fx) => fx.mint({ claims: { ...read, aud: ['https://other.test', `${fx.url}/`] } }),
    'token_audience',
  ],
  ['expired 61 s ago', (fx) => fx.mint({ claims: { ...read, exp: now() - 61 } }), 'token_expired'],
  [
    'expired an hour ago',
    (fx) => fx.mint({ claims: { ...read, iat: now() - 7200, exp: now() - 3600 } }),
    'token_expired',
  ],
  ['nbf 120 s ahead', (fx) => fx.mint({ claims: { ...read, nbf: now() + 120 } }), 'token_not_yet_valid'],
  ['iat 120 s ahead', (fx) => fx.mint({ claims: { ...read, iat: now() + 120 } }), 'token_not_yet_valid'],
  ['auth_time 120 s ahead', (fx) => fx.mint({ claims: { ...read, auth_time: now() + 120 } }), 'token_not_yet_valid'],
  ...(['iss', 'aud', 'sub', 'client_id', 'jti', 'exp', 'iat'].map((claim) => [
    `no ${claim}`,
    (fx: Fixture) => fx.mint({ claims: { ...read, [claim]: undefined } }),
    'token_claims',
  ]) as Case[]),
  ['a numeric sub', (fx) => fx.mint({ claims: { ...read, sub: 42 } }), 'token_claims'],
  ['a numeric client_id', (fx) => fx.mint({ claims: { ...read, client_id: 7 } }), 'token_claims'],
  ['a numeric jti', (fx) => fx.mint({ claims: { ...read, jti: 123 } }), 'token_claims'],
  ['a string exp', (fx) => fx.mint({ claims: { ...read, exp: String(now() + 300) } }), 'token_claims'],
  ['a string iat', (fx) => fx.mint({ claims: { ...read, iat: String(now()) } }), 'token_claims'],
  ['a scope array', (fx) => fx.mint({ claims: { scope: ['invoices:read'] } }), 'token_claims'],
  ['a numeric scope', (fx) => fx.mint({ claims: { scope: 1 } }), 'token_claims'],
  ['an unknown kid', (fx) => fx.mint({ claims: read, header: { kid: 'nope' } }), 'token_key_unknown'],
  [
    'over 8 KiB (a ~9000-char claim)',
    (fx) => fx.mint({ claims: { ...read, padding: 'x'.repeat(9000) } }),
    'token_too_large',
  ],
];

/** The longest valid token of at most `limit` characters, and the shortest longer one. */
async function tokensAround(fx: Fixture, limit: number): Promise<[string, string]> {
  const base = (await fx.withScope('invoices:read', { padding: '' })).length;
  let below = '';
  for (let pad = Math.max(0, Math.floor(((limit - base) * 3) / 4) - 6); ; pad++) {
    const token = await fx.withScope('invoices:read', { padding: 'x'.repeat(pad) });
    if (token.length > limit) return [below, token];
    below = token;
  }
}

describe.each(EXAMPLES)('%s: token validity', (name) => {
  const fx = useExample(name);

  it.each(cases)('%s: 401 invalid_token', async (_, make, code) => {
    const token = await make(fx);
    const reply = await send(fx.url, '/invoices', { headers: bearer(token) });
    expectRefusal(reply, fx.url, refusal(code));
    // Token validity answers before scopes, whatever the route needs.
    const del = await send(fx.url, '/invoices/inv_1001', { method: 'DELETE', headers: bearer(token) });
    expectRefusal(del, fx.url, refusal(code));
  });

  it('a bad token is refused before an unknown invoice would be a 404', async () => {
    const reply = await send(fx.url, '/invoices/inv_9999', { headers: bearer('abc') });
    expectRefusal(reply, fx.url, refusal('token_malformed'));
  });

  it('the 8 KiB limit is on the token: up to 8192 characters pass, more are refused', async () => {
    const [atLimit, over] = await tokensAround(fx, 8192);
    expect(atLimit.length).toBeGreaterThanOrEqual(8190);
    expect(atLimit.length).toBeLessThanOrEqual(8192);
    expect(over.length).toBeLessThanOrEqual(8194);
    expect((await send(fx.url, '/invoices', { headers: bearer(atLimit) })).status).toBe(200);
    expectRefusal(await send(fx.url, '/invoices', { headers: bearer(over) }), fx.url, refusal('token_too_large'));
  });

  it("above the HTTP server's own header limit, its 431 stands (and never an allow)", async () => {
    const token = await fx.mint({ claims: { ...read, padding: 'x'.repeat(20_000) } });
    const reply = await send(fx.url, '/invoices', { headers: bearer(token) });
    expect(reply.status).toBe(431);
  });

  it('accepts what the tolerance covers: expired 30 s ago, nbf, iat and auth_time 30 s ahead', async () => {
    for (const extra of [{ exp: now() - 30 }, { nbf: now() + 30 }, { iat: now() + 30 }, { auth_time: now() + 30 }]) {
      const reply = await send(fx.url, '/invoices', {
        headers: bearer(await fx.mint({ claims: { ...read, ...extra } })),
      });
      expect(reply.status, JSON.stringify(extra)).toBe(200);
    }
  });

  it('accepts application/at+jwt, an aud array, ES256, PS256, EdDSA, several scopes, and optional claims', async () => {
    const tokens = [
      await fx.mint({ claims: read, header: { typ: 'application/at+jwt' } }),
      await fx.mint({ claims: { ...read, aud: ['https://other.test', fx.url] } }),
      await fx.mint({ claims: read, header: { alg: 'ES256', kid: 'ec-1' }, key: fx.keys.ecPrivate }),
      await fx.mint({ claims: read, header: { alg: 'PS256', kid: 'ps-1' }, key: fx.keys.psPrivate }),
      await fx.mint({ claims: read, header: { alg: 'EdDSA', kid: 'ed-1' }, key: fx.keys.edPrivate }),
      await fx.withScope('openid invoices:read invoices:write'),
      await fx.mint({ claims: { ...read, acr: 'urn:x', auth_time: now() - 5, nbf: now() - 5 } }),
    ];
    for (const token of tokens) {
      const reply = await send(fx.url, '/invoices', { headers: bearer(token) });
      expect(reply.status).toBe(200);
      expect(reply.challenge).toBeUndefined();
    }
  });
});
