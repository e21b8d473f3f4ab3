/**
 * Token validity (RFC 9068, RFC 6750 §3.1): every bad token gets 401 invalid_token with its
 * fixed description, never a 5xx and never an allow.
 */
import { createHmac } from 'node:crypto';
import type { RefusalCode } from '@actiongate/core';
import { describe, expect, it } from 'vitest';
import { challengeFor } from './support/challenge.js';
import { EXAMPLES } from './support/example.js';
import { type Fixture, useExample } from './support/fixture.js';
import { bearer, send } from './support/http.js';
import { handcrafted, ISSUER } from './support/keys.js';

const now = () => Math.floor(Date.now() / 1000);

type Case = [string, (fx: Fixture) => Promise<string>, RefusalCode];

const read = { scope: 'invoices:read' };
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
    'alg none',
    async (fx) => handcrafted({ alg: 'none', typ: 'at+jwt' }, { iss: ISSUER, aud: fx.url, scope: 'invoices:read' }),
    'token_algorithm',
  ],
  [
    'alg NONE',
    async (fx) => handcrafted({ alg: 'NONE', typ: 'at+jwt' }, { iss: ISSUER, aud: fx.url }),
    'token_algorithm',
  ],
  [
    'HS256 signed with the RSA public key (key confusion)',
    async (fx) => {
      const unsigned = handcrafted(
        { alg: 'HS256', typ: 'at+jwt', kid: 'rsa-1' },
        { iss: ISSUER, aud: fx.url, sub: 'u', client_id: 'c', iat: now(), exp: now() + 300, jti: 'j', ...read },
      ).slice(0, -1);
      const signature = createHmac('sha256', fx.keys.rsaPublicPem).update(unsigned).digest('base64url');
      return `${unsigned}.${signature}`;
    },
    'token_algorithm',
  ],
  ['typ JWT', (fx) => fx.mint({ claims: read, header: { typ: 'JWT' } }), 'token_type'],
  ['no typ', (fx) => fx.mint({ claims: read, header: { typ: undefined } }), 'token_type'],
  ['a wrong iss', (fx) => fx.mint({ claims: { ...read, iss: 'https://evil.test' } }), 'token_issuer'],
  ['aud without the audience', (fx) => fx.mint({ claims: { ...read, aud: 'https://other.test' } }), 'token_audience'],
  ['expired beyond the tolerance', (fx) => fx.mint({ claims: { ...read, exp: now() - 61 } }), 'token_expired'],
  ['nbf beyond the tolerance', (fx) => fx.mint({ claims: { ...read, nbf: now() + 120 } }), 'token_not_yet_valid'],
  ['iat in the future', (fx) => fx.mint({ claims: { ...read, iat: now() + 120 } }), 'token_not_yet_valid'],
  ...(['sub', 'client_id', 'jti', 'exp', 'iat'].map((claim) => [
    `no ${claim}`,
    (fx: Fixture) => fx.mint({ claims: { ...read, [claim]: undefined } }),
    'token_claims',
  ]) as Case[]),
  ['a numeric sub', (fx) => fx.mint({ claims: { ...read, sub: 42 } }), 'token_claims'],
  ['a string exp', (fx) => fx.mint({ claims: { ...read, exp: String(now() + 300) } }), 'token_claims'],
  ['a scope array', (fx) => fx.mint({ claims: { scope: ['invoices:read'] } }), 'token_claims'],
  ['an unknown kid', (fx) => fx.mint({ claims: read, header: { kid: 'nope' } }), 'token_key_unknown'],
  ['over 8 KiB', (fx) => fx.mint({ claims: { ...read, padding: 'x'.repeat(9000) } }), 'token_too_large'],
];

describe.each(EXAMPLES)('%s: token validity', (name) => {
  const fx = useExample(name);

  it.each(cases)('%s: 401 invalid_token', async (_, make, code) => {
    const reply = await send(fx.url, '/invoices', { headers: bearer(await make(fx)) });
    expect(reply.status).toBe(401);
    expect(reply.challenge).toBe(challengeFor(fx.url, code));
    expect(reply.json?.error).toBe('invalid_token');
  });

  it('accepts what the tolerance covers: expired 30 s ago, nbf and iat 30 s ahead', async () => {
    for (const claims of [{ exp: now() - 30 }, { nbf: now() + 30 }, { iat: now() + 30 }]) {
      const reply = await send(fx.url, '/invoices', {
        headers: bearer(await fx.mint({ claims: { ...read, ...claims } })),
      });
      expect(reply.status, JSON.stringify(claims)).toBe(200);
    }
  });

  it('accepts application/at+jwt, an aud array, and ES256', async () => {
    const tokens = [
      await fx.mint({ claims: read, header: { typ: 'application/at+jwt' } }),
      await fx.mint({ claims: { ...read, aud: ['https://other.test', fx.url] } }),
      await fx.mint({ claims: read, header: { alg: 'ES256', kid: 'ec-1' }, key: fx.keys.ecPrivate }),
    ];
    for (const token of tokens) expect((await send(fx.url, '/invoices', { headers: bearer(token) })).status).toBe(200);
  });
});
