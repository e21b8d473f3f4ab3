import { createHmac } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, ISSUER, RESOURCE, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { RefusalCode } from '../challenge/codes.js';
import { createGate } from '../gate/index.js';

const NOW = 1_800_000_000_000;
const now = NOW / 1000;
const actions = defineActions({ read: { scopes: ['invoices:read'] } });
const read = { scope: 'invoices:read' };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer(() => NOW);
});

async function codeFor(token: string, options = {}): Promise<RefusalCode | 'allowed'> {
  const decision = await testGate(issuer, actions, { now: () => NOW, ...options }).decide('read', bearer(token));
  return decision.allow ? 'allowed' : decision.code;
}

describe('verification: one refusal per bad token', () => {
  it('allows a good token', async () => {
    expect(await codeFor(await issuer.mint(read))).toBe('allowed');
  });

  it.each([
    [
      'alg none',
      () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ iss: ISSUER, aud: RESOURCE })}.`,
      'token_algorithm',
    ],
    ['alg None', () => `${b64({ alg: 'None', typ: 'at+jwt' })}.${b64({ iss: ISSUER })}.`, 'token_algorithm'],
    ['garbage', () => 'garbage', 'token_malformed'],
    ['a JWE', () => 'a.b.c.d.e', 'token_malformed'],
    ['a header that is not JSON', () => 'bm90IGpzb24.e30.sig', 'token_malformed'],
    [
      'a crit header nobody understands',
      () => `${b64({ alg: 'RS256', typ: 'at+jwt', kid: 'k1', crit: ['x'], x: 1 })}.e30.c2ln`,
      'token_malformed',
    ],
  ])('%s', async (_, make, code) => {
    expect(await codeFor(make())).toBe(code);
  });

  it('HS256 signed with the RSA public key (key confusion)', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const unsigned = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' })}.${b64({ iss: ISSUER, aud: RESOURCE, ...read })}`;
    const token = `${unsigned}.${createHmac('sha256', pem).update(unsigned).digest('base64url')}`;
    expect(await codeFor(token)).toBe('token_algorithm');
  });

  it.each([
    ['JWT', 'token_type'],
    ['jwt', 'token_type'],
    ['at+jwt', 'allowed'],
    ['AT+JWT', 'allowed'],
    ['application/at+jwt', 'allowed'],
  ])('typ %s', async (typ, code) => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k2', alg: 'RS256' }] };
    const token = await new SignJWT({ ...read, sub: 's', client_id: 'c', jti: 'j' })
      .setProtectedHeader({ alg: 'RS256', typ, kid: 'k2' })
      .setIssuer(ISSUER)
      .setAudience(RESOURCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks }], now: () => NOW });
    const decision = await gate.decide('read', bearer(token));
    expect(decision.allow ? 'allowed' : decision.code).toBe(code);
    const legacy = createGate({
      actions,
      resource: RESOURCE,
      issuers: [{ issuer: ISSUER, jwks }],
      now: () => NOW,
      acceptJwtTyp: true,
    });
    expect((await legacy.decide('read', bearer(token))).allow).toBe(true);
  });

  it.each([
    ['a wrong iss', { iss: 'https://evil.test' }, 'token_issuer'],
    ['aud without the resource', { aud: 'https://other.test' }, 'token_audience'],
    ['aud an array with the resource', { aud: ['https://other.test', RESOURCE] }, 'allowed'],
    ['exp exactly 60 s ago (tolerance 60 s)', { exp: now - 60 }, 'token_expired'],
    ['exp 59 s ago', { exp: now - 59 }, 'allowed'],
    ['nbf 61 s ahead', { nbf: now + 61 }, 'token_not_yet_valid'],
    ['nbf 60 s ahead', { nbf: now + 60 }, 'allowed'],
    ['iat 61 s ahead', { iat: now + 61 }, 'token_not_yet_valid'],
    ['iat 60 s ahead', { iat: now + 60 }, 'allowed'],
    ['no sub', { sub: undefined }, 'token_claims'],
    ['no client_id', { client_id: undefined }, 'token_claims'],
    ['no jti', { jti: undefined }, 'token_claims'],
    ['no iat', { iat: undefined }, 'token_claims'],
    ['no exp', { exp: undefined }, 'token_claims'],
    ['a numeric sub', { sub: 1 }, 'token_claims'],
    ['a string exp', { exp: String(now + 300) }, 'token_claims'],
    ['aud an object', { aud: { value: RESOURCE } }, 'token_audience'],
    ['scope an array', { scope: ['invoices:read'] }, 'token_claims'],
    ['scope a number', { scope: 1 }, 'token_claims'],
    ['a negative iat', { iat: -1 }, 'allowed'],
    ['a huge exp', { exp: 1e300 }, 'allowed'],
  ])('%s', async (_, claims, code) => {
    expect(await codeFor(await issuer.mint({ ...read, ...claims }))).toBe(code);
  });

  it('refuses an unknown kid, a forged signature and a token over the size limit before parsing', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(read)
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })
      .sign(privateKey);
    expect(await codeFor(forged)).toBe('token_signature');
    const unknownKid = await new SignJWT(read)
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k9' })
      .sign(privateKey);
    expect(await codeFor(unknownKid)).toBe('token_key_unknown');
    expect(await codeFor('a'.repeat(8193))).toBe('token_too_large');
    expect(await codeFor(await issuer.mint({ ...read, pad: 'x'.repeat(100) }), { maxTokenBytes: 200 })).toBe(
      'token_too_large',
    );
  });

  it('picks the issuer by the unverified iss, then verifies with that issuer’s keys only', async () => {
    const other = await createTestIssuer(() => NOW);
    const gate = createGate({
      actions,
      resource: RESOURCE,
      now: () => NOW,
      issuers: [
        { issuer: ISSUER, jwks: issuer.jwks as never },
        { issuer: 'https://b.test', jwks: other.jwks as never },
      ],
    });
    expect((await gate.decide('read', bearer(await other.mint({ ...read, iss: 'https://b.test' })))).allow).toBe(true);
    const claimsB = await issuer.mint({ ...read, iss: 'https://b.test' }); // signed by A's key
    const decision = await gate.decide('read', bearer(claimsB));
    expect(decision.allow ? 'allowed' : decision.code).toBe('token_signature');
    const unknown = await gate.decide('read', bearer(await issuer.mint({ ...read, iss: 'https://c.test' })));
    expect(unknown.allow ? 'allowed' : unknown.code).toBe('token_issuer');
  });

  it('accepts HMAC only with an explicit secret of sufficient length', async () => {
    const secret = 'a-very-long-shared-secret-of-32+-bytes!';
    const gate = createGate({ actions, resource: RESOURCE, now: () => NOW, issuers: [{ issuer: ISSUER, secret }] });
    const token = await new SignJWT({ ...read, sub: 's', client_id: 'c', jti: 'j' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(RESOURCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(secret));
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
    expect(() => createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, secret: 'short' }] })).toThrow(
      /issuers\[0\]\.secret/,
    );
  });

  it('tries each fitting key for a token without kid', async () => {
    const second = await generateKeyPair('RS256');
    const jwks = { keys: [...issuer.jwks.keys, { ...(await exportJWK(second.publicKey)), alg: 'RS256', kid: 'k2' }] };
    const gate = createGate({
      actions,
      resource: RESOURCE,
      now: () => NOW,
      issuers: [{ issuer: ISSUER, jwks: jwks as never }],
    });
    const token = await new SignJWT({ ...read, sub: 's', client_id: 'c', jti: 'j' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(RESOURCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(second.privateKey);
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
  });
});
