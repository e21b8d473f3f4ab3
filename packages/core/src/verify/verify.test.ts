import { createHmac } from 'node:crypto';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, ISSUER, RESOURCE, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { RefusalCode } from '../challenge/codes.js';
import { createGate } from '../gate/index.js';
import type { GateOptions } from '../gate/options.js';

const NOW = 1_800_000_000_000;
const now = NOW / 1000;
const actions = defineActions({ read: { scopes: ['invoices:read'] } });
const read = { scope: 'invoices:read' };
const claims = { ...read, iss: ISSUER, aud: RESOURCE, sub: 's', client_id: 'c', jti: 'j', iat: now, exp: now + 300 };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hs256 = (unsigned: string, key: string | Buffer) =>
  `${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer(() => NOW);
});

async function codeFor(token: string, options: Partial<GateOptions<'read'>> = {}): Promise<RefusalCode | 'allowed'> {
  const decision = await testGate(issuer, actions, { now: () => NOW, ...options }).decide('read', bearer(token));
  return decision.allow ? 'allowed' : decision.code;
}

/** A token signed with a fresh key published under `kid`, with the header given. */
async function signedWith(header: Record<string, unknown>, kid = 'k2') {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256' }] };
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, ...header }).sign(privateKey);
  return { token, jwks };
}

describe('verification: token shape and algorithm', () => {
  it('allows a good token', async () => {
    expect(await codeFor(await issuer.mint(read))).toBe('allowed');
  });

  it.each([
    ['alg none', () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`, 'token_algorithm'],
    ['alg none with kid', () => `${b64({ alg: 'none', typ: 'at+jwt', kid: 'k1' })}.${b64(claims)}.`, 'token_algorithm'],
    ['alg None', () => `${b64({ alg: 'None', typ: 'at+jwt' })}.${b64(claims)}.`, 'token_algorithm'],
    [
      'alg NONE with a signature',
      () => `${b64({ alg: 'NONE', typ: 'at+jwt' })}.${b64(claims)}.c2ln`,
      'token_algorithm',
    ],
    ['alg missing', () => `${b64({ typ: 'at+jwt', kid: 'k1' })}.${b64(claims)}.c2ln`, 'token_malformed'],
    ['garbage', () => 'garbage', 'token_malformed'],
    ['two parts', () => `${b64({ alg: 'RS256', typ: 'at+jwt' })}.${b64(claims)}`, 'token_malformed'],
    [
      'a JWE (five parts)',
      () => `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM', typ: 'at+jwt' })}.a.b.c.d`,
      'token_malformed',
    ],
    ['a header that is not JSON', () => 'bm90IGpzb24.e30.sig', 'token_malformed'],
    ['a header that is a JSON array', () => `${b64([1])}.${b64(claims)}.c2ln`, 'token_malformed'],
    [
      'a crit header nobody understands',
      () => `${b64({ alg: 'RS256', typ: 'at+jwt', kid: 'k1', crit: ['x'], x: 1 })}.e30.c2ln`,
      'token_malformed',
    ],
  ])('%s', async (_, make, code) => {
    expect(await codeFor(make())).toBe(code);
  });

  it('refuses an empty signature, a swapped payload and a flipped signature', async () => {
    const [header, payload, signature] = (await issuer.mint(read)).split('.') as [string, string, string];
    expect(await codeFor(`${header}.${payload}.`)).toBe('token_signature');
    expect(await codeFor(`${header}.${b64({ ...claims, scope: 'invoices:admin' })}.${signature}`)).toBe(
      'token_signature',
    );
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await codeFor(`${header}.${payload}.${flipped}`)).toBe('token_signature');
  });

  it('refuses HS256 signed with the issuer’s own RSA public key, in every encoding (key confusion)', async () => {
    const jwk = issuer.jwks.keys[0] as JWK;
    const publicKey = await importJWK(jwk, 'RS256', { extractable: true });
    const pem = await exportSPKI(publicKey as CryptoKey);
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const unsigned = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' })}.${b64(claims)}`;
    for (const key of [pem, pem.trim(), der, JSON.stringify(jwk), Buffer.from(jwk.n as string, 'base64url')]) {
      expect(await codeFor(hs256(unsigned, key))).toBe('token_algorithm');
    }
    const withoutKid = `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${b64(claims)}`;
    expect(await codeFor(hs256(withoutKid, pem))).toBe('token_algorithm');
  });

  it('refuses an algorithm the issuer does not list, even with the right key', async () => {
    expect(
      await codeFor(await issuer.mint(read), {
        issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never, algorithms: ['ES256'] }],
      }),
    ).toBe('token_algorithm');
  });
});

describe('verification: typ (RFC 9068 §4, RFC 8725 §3.11)', () => {
  it.each([
    ['JWT', 'token_type', 'allowed'],
    ['jwt', 'token_type', 'allowed'],
    ['application/jwt', 'token_type', 'allowed'],
    ['at+jwt', 'allowed', 'allowed'],
    ['AT+JWT', 'allowed', 'allowed'],
    ['application/at+jwt', 'allowed', 'allowed'],
    ['Application/AT+JWT', 'allowed', 'allowed'],
    ['at+jwt; charset=utf-8', 'token_type', 'token_type'],
    ['JOSE', 'token_type', 'token_type'],
    ['', 'token_type', 'token_type'],
    [undefined, 'token_type', 'token_type'],
  ])('typ %j: %s, and %s with acceptJwtTyp', async (typ, strict, legacy) => {
    const { token, jwks } = await signedWith(typ === undefined ? {} : { typ });
    const options = { actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks }], now: () => NOW };
    const decide = async (extra: Partial<GateOptions<'read'>>) => {
      const decision = await createGate({ ...options, ...extra }).decide('read', bearer(token));
      return decision.allow ? 'allowed' : decision.code;
    };
    expect(await decide({})).toBe(strict);
    expect(await decide({ acceptJwtTyp: true })).toBe(legacy);
  });

  it('refuses a typ that is not a string', async () => {
    const { token, jwks } = await signedWith({ typ: 1 });
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks }], now: () => NOW });
    const decision = await gate.decide('read', bearer(token));
    expect(decision.allow ? 'allowed' : decision.code).toBe('token_type');
  });
});

describe('verification: size', () => {
  it('refuses a token over maxTokenBytes before parsing it, and takes one exactly at the limit', async () => {
    // Unparsed, this would be token_malformed: the size answers first.
    expect(await codeFor('a'.repeat(8193))).toBe('token_too_large');
    expect(await codeFor(`${'a'.repeat(8000)}.b.c`, { maxTokenBytes: 100 })).toBe('token_too_large');
    const token = await issuer.mint(read);
    expect(await codeFor(token, { maxTokenBytes: token.length })).toBe('allowed');
    expect(await codeFor(token, { maxTokenBytes: token.length - 1 })).toBe('token_too_large');
  });

  it('takes tokens up to 8 KiB by default', async () => {
    const token = await issuer.mint({ ...read, pad: 'x'.repeat(5000) });
    expect(token.length).toBeLessThanOrEqual(8192);
    expect(await codeFor(token)).toBe('allowed');
    const tooLarge = await issuer.mint({ ...read, pad: 'x'.repeat(6500) });
    expect(tooLarge.length).toBeGreaterThan(8192);
    expect(await codeFor(tooLarge)).toBe('token_too_large');
  });
});

describe('verification: keys', () => {
  it('refuses an unknown kid and a signature by another key under a known kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })
      .sign(privateKey);
    expect(await codeFor(forged)).toBe('token_signature');
    const unknownKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k9' })
      .sign(privateKey);
    expect(await codeFor(unknownKid)).toBe('token_key_unknown');
  });

  it('tries each fitting key for a token without kid, and refuses when none fits', async () => {
    const second = await generateKeyPair('RS256');
    const jwks = { keys: [...issuer.jwks.keys, { ...(await exportJWK(second.publicKey)), alg: 'RS256', kid: 'k2' }] };
    const gate = createGate({
      actions,
      resource: RESOURCE,
      now: () => NOW,
      issuers: [{ issuer: ISSUER, jwks: jwks as never }],
    });
    const sign = (key: CryptoKey) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' }).sign(key);
    expect((await gate.decide('read', bearer(await sign(second.privateKey)))).allow).toBe(true);
    const stranger = await generateKeyPair('RS256');
    const refused = await gate.decide('read', bearer(await sign(stranger.privateKey)));
    expect(refused.allow ? 'allowed' : refused.code).toBe('token_signature');
  });

  it('refuses a token whose alg does not fit the only key (no kid)', async () => {
    const ec = await generateKeyPair('ES256');
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(ec.privateKey);
    expect(await codeFor(token)).toBe('token_key_unknown');
  });
});

describe('verification: issuers', () => {
  it('picks the issuer by the unverified iss, then verifies with that issuer’s keys only', async () => {
    const other = await createTestIssuer(() => NOW, 'k1');
    const gate = createGate({
      actions,
      resource: RESOURCE,
      now: () => NOW,
      issuers: [
        { issuer: ISSUER, jwks: issuer.jwks as never },
        { issuer: 'https://b.test', jwks: other.jwks as never },
      ],
    });
    const code = async (token: string) => {
      const decision = await gate.decide('read', bearer(token));
      return decision.allow ? 'allowed' : decision.code;
    };
    expect(await code(await other.mint({ ...read, iss: 'https://b.test' }))).toBe('allowed');
    expect(await code(await issuer.mint(read))).toBe('allowed');
    // Same kid at both issuers: only the claimed issuer's key is tried.
    expect(await code(await issuer.mint({ ...read, iss: 'https://b.test' }))).toBe('token_signature');
    expect(await code(await other.mint(read))).toBe('token_signature');
    expect(await code(await issuer.mint({ ...read, iss: 'https://c.test' }))).toBe('token_issuer');
    expect(await code(await issuer.mint({ ...read, iss: undefined }))).toBe('token_claims');
  });

  it('accepts HMAC only with an explicit secret of sufficient length', async () => {
    const secret = 'a-very-long-shared-secret-of-32+-bytes!';
    const gate = createGate({ actions, resource: RESOURCE, now: () => NOW, issuers: [{ issuer: ISSUER, secret }] });
    const sign = (key: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode(key));
    expect((await gate.decide('read', bearer(await sign(secret)))).allow).toBe(true);
    const wrong = await gate.decide('read', bearer(await sign(`${secret}-not`)));
    expect(wrong.allow ? 'allowed' : wrong.code).toBe('token_signature');
    const rsa = await gate.decide('read', bearer(await issuer.mint(read)));
    expect(rsa.allow ? 'allowed' : rsa.code).toBe('token_algorithm');
    expect(() => createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, secret: 'short' }] })).toThrow(
      /issuers\[0\]\.secret/,
    );
    const hs512 = { issuer: ISSUER, secret: 'x'.repeat(48), algorithms: ['HS512'] };
    expect(() => createGate({ actions, resource: RESOURCE, issuers: [hs512] })).toThrow(/at least 64 bytes for HS512/);
  });
});
