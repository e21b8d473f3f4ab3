import { base64url, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProofKey, makeProof, type ProofKey } from '../../test/dpop.js';
import { TokenRejectedError } from '../errors.js';
import { DpopNonces } from './nonce.js';
import { normalizeDpop } from './options.js';
import { ProofKeyCache, verifyProof } from './proof.js';

const TOKEN = 'eyJ.access.token';
const options = normalizeDpop(true, 'https://api.test/v1') as NonNullable<ReturnType<typeof normalizeDpop>>;
const request = { method: 'POST', path: '/x', accessToken: TOKEN };
let key: ProofKey;
/** The proof key cache of the variant under test (see the describe.each below). */
let keys: ProofKeyCache;
beforeAll(async () => {
  key = await createProofKey();
});

async function reason(header: string | readonly string[] | undefined, now = Date.now(), nonces?: DpopNonces) {
  try {
    await verifyProof(header, request, options, nonces, now, keys);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof TokenRejectedError)) throw error;
    return error.reason;
  }
}

const unsigned = (header: object, claims: object) =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}.`;

// Each rule holds whether the proof key is new (jose imports and verifies), or known from an
// earlier proof: re-verified with Node's crypto where there is one, or with jose and Web Crypto.
describe.each([
  { variant: 'a new key each time', cache: () => new ProofKeyCache() },
  { variant: 'a known key, node:crypto', cache: () => new ProofKeyCache(true) },
  { variant: 'a known key, Web Crypto', cache: () => new ProofKeyCache(false) },
])('verifyProof: RFC 9449 §4.3, each rule broken alone ($variant)', ({ variant, cache }) => {
  beforeAll(async () => {
    keys = cache();
    if (variant === 'a new key each time') return;
    await verifyProof(await makeProof(key, { token: TOKEN }), request, options, undefined, Date.now(), keys);
    const known = keys.get(`${key.alg}\n${JSON.stringify(key.publicJwk)}`);
    expect(known?.check !== undefined).toBe(variant.endsWith('node:crypto'));
  });
  beforeEach(() => {
    if (variant === 'a new key each time') keys = cache();
  });

  it('accepts a proof that keeps every rule, and returns its key thumbprint and jti', async () => {
    const proof = await makeProof(key, { token: TOKEN });
    const verified = await verifyProof(proof, request, options, undefined, Date.now(), keys);
    expect(verified.jkt).toBe(key.jkt);
    expect(typeof verified.jti).toBe('string');
  });

  it('step 1: refuses no DPoP header, two, or an empty list', async () => {
    const proof = await makeProof(key, { token: TOKEN });
    expect(await reason(undefined)).toBe('dpop_proof_invalid');
    expect(await reason([proof, proof])).toBe('dpop_proof_invalid');
    expect(await reason([])).toBe('dpop_proof_invalid');
    expect(await reason([proof])).toBe('accepted');
  });

  it('step 2: refuses what is not a compact JWS, and an oversized proof before parsing', async () => {
    for (const bad of ['', 'a.b', 'a.b.c.d.e', 'not a jws', '..', `${'a'.repeat(9000)}.b.c`]) {
      expect(await reason(bad), bad.slice(0, 20)).toBe('dpop_proof_invalid');
    }
  });

  it('step 2: refuses a proof missing jti, htm, htu or iat', async () => {
    for (const claim of ['jti', 'htm', 'htu', 'iat']) {
      expect(await reason(await makeProof(key, { token: TOKEN, claims: { [claim]: undefined } })), claim).toBe(
        'dpop_proof_invalid',
      );
    }
  });

  it('step 4: refuses typ other than exactly dpop+jwt', async () => {
    for (const typ of [undefined, 'JWT', 'at+jwt', 'application/dpop+jwt', 'DPOP+JWT']) {
      expect(await reason(await makeProof(key, { token: TOKEN, header: { typ } })), String(typ)).toBe(
        'dpop_proof_invalid',
      );
    }
  });

  it('step 5: refuses alg none, a symmetric alg and an asymmetric alg outside the allowlist', async () => {
    expect(await reason(unsigned({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk }, { jti: 'x' }))).toBe(
      'dpop_proof_invalid',
    );
    const secret = new Uint8Array(32).fill(7);
    const { SignJWT } = await import('jose');
    const hmac = await new SignJWT({
      jti: 'j',
      htm: 'POST',
      htu: 'https://api.test/x',
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: base64url.encode(secret) } } as never)
      .sign(secret);
    expect(await reason(hmac)).toBe('dpop_proof_invalid');
    const es384 = await createProofKey('ES384');
    expect(await reason(await makeProof(es384, { token: TOKEN }))).toBe('dpop_proof_invalid');
    const narrow = normalizeDpop({ algs: ['ES384'] }, 'https://api.test') as NonNullable<
      ReturnType<typeof normalizeDpop>
    >;
    await expect(
      verifyProof(await makeProof(es384, { token: TOKEN }), request, narrow, undefined, Date.now(), keys),
    ).resolves.toMatchObject({ jkt: es384.jkt });
  });

  it('step 6: refuses a signature by another key than the one in jwk', async () => {
    const other = await createProofKey();
    expect(await reason(await makeProof(key, { token: TOKEN, signWith: other.privateKey }))).toBe('dpop_proof_invalid');
    const proof = await makeProof(key, { token: TOKEN });
    const [h, p] = proof.split('.');
    expect(await reason(`${h}.${p}.${base64url.encode(new Uint8Array(64))}`)).toBe('dpop_proof_invalid');
  });

  it('with the key cached from an earlier proof, still refuses a signature by another key and another alg', async () => {
    const keys = new ProofKeyCache();
    const check = async (proof: string) => {
      try {
        return (await verifyProof(proof, request, options, undefined, Date.now(), keys)).jkt;
      } catch (error) {
        return (error as TokenRejectedError).reason;
      }
    };
    expect(await check(await makeProof(key, { token: TOKEN }))).toBe(key.jkt);
    expect(await check(await makeProof(key, { token: TOKEN }))).toBe(key.jkt);
    const other = await createProofKey();
    expect(await check(await makeProof(key, { token: TOKEN, signWith: other.privateKey }))).toBe('dpop_proof_invalid');
    expect(await check(await makeProof(other, { token: TOKEN }))).toBe(other.jkt);
  });

  it('step 7: refuses a jwk with private members, a symmetric jwk, or no jwk', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    expect(
      await reason(await makeProof(key, { token: TOKEN, header: { jwk: { ...key.publicJwk, d: privateJwk.d } } })),
    ).toBe('dpop_proof_invalid');
    expect(await reason(await makeProof(key, { token: TOKEN, header: { jwk: { kty: 'oct', k: 'AAAA' } } }))).toBe(
      'dpop_proof_invalid',
    );
    expect(await reason(await makeProof(key, { token: TOKEN, header: { jwk: undefined } }))).toBe('dpop_proof_invalid');
    expect(await reason(await makeProof(key, { token: TOKEN, header: { jwk: 'x' } }))).toBe('dpop_proof_invalid');
  });

  it('step 8: refuses an htm other than the request method, case included', async () => {
    for (const htm of ['GET', 'post', 'PUT', '']) {
      expect(await reason(await makeProof(key, { token: TOKEN, htm })), htm).toBe('dpop_proof_invalid');
    }
  });

  it('step 9: matches htu by origin and path, ignoring query and fragment, after normalisation', async () => {
    for (const htu of [
      'https://api.test/x',
      'https://api.test/x?a=1',
      'https://api.test/x#f',
      'HTTPS://API.TEST/x',
      'https://api.test:443/x',
      'https://api.test/./y/../x',
      'https://api.test/%78',
    ]) {
      expect(await reason(await makeProof(key, { token: TOKEN, htu })), htu).toBe('accepted');
    }
  });

  it('step 9: refuses another origin, scheme, port, path, a relative or credentialled htu', async () => {
    for (const htu of [
      'https://evil.test/x',
      'http://api.test/x',
      'https://api.test:8443/x',
      'https://api.test/X',
      'https://api.test/x/',
      'https://api.test/v1/x',
      '/x',
      'https://user@api.test/x',
      'urn:x:y',
    ]) {
      expect(await reason(await makeProof(key, { token: TOKEN, htu })), htu).toBe('dpop_proof_invalid');
    }
  });

  it('step 9: uses the configured origin behind a proxy', async () => {
    const proxied = normalizeDpop({ origin: 'https://public.example' }, 'https://api.test') as NonNullable<
      ReturnType<typeof normalizeDpop>
    >;
    const good = await makeProof(key, { token: TOKEN, htu: 'https://public.example/x' });
    await expect(verifyProof(good, request, proxied, undefined, Date.now(), keys)).resolves.toBeDefined();
    const internal = await makeProof(key, { token: TOKEN });
    await expect(verifyProof(internal, request, proxied, undefined, Date.now(), keys)).rejects.toThrow(
      TokenRejectedError,
    );
  });

  it('step 11: refuses an iat more than 300 s old or 60 s ahead, and a non-numeric iat', async () => {
    const now = Date.now();
    const at = (seconds: number) => makeProof(key, { token: TOKEN, now: now + seconds * 1000 });
    expect(await reason(await at(-300), now)).toBe('accepted');
    expect(await reason(await at(-302), now)).toBe('dpop_proof_invalid');
    expect(await reason(await at(60), now)).toBe('accepted');
    expect(await reason(await at(62), now)).toBe('dpop_proof_invalid');
    expect(
      await reason(await makeProof(key, { token: TOKEN, claims: { iat: String(Math.floor(now / 1000)) } }), now),
    ).toBe('dpop_proof_invalid');
  });

  it('step 12: refuses a missing ath or the hash of another token', async () => {
    expect(await reason(await makeProof(key))).toBe('dpop_proof_invalid');
    expect(await reason(await makeProof(key, { token: `${TOKEN}x` }))).toBe('dpop_proof_invalid');
    expect(await reason(await makeProof(key, { token: TOKEN, claims: { ath: 1 } }))).toBe('dpop_proof_invalid');
  });

  it('refuses an expired exp a proof may carry', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    expect(await reason(await makeProof(key, { token: TOKEN, claims: { exp: past } }))).toBe('dpop_proof_invalid');
  });

  it('checks exp and nbf a proof may carry as jose does: numbers, within the tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const proof = (claims: Record<string, unknown>) => makeProof(key, { token: TOKEN, claims });
    expect(await reason(await proof({ exp: now + 120 }))).toBe('accepted');
    expect(await reason(await proof({ exp: now - 61 }))).toBe('dpop_proof_invalid');
    expect(await reason(await proof({ exp: String(now + 120) }))).toBe('dpop_proof_invalid');
    expect(await reason(await proof({ nbf: now + 30 }))).toBe('accepted');
    expect(await reason(await proof({ nbf: now + 120 }))).toBe('dpop_proof_invalid');
    expect(await reason(await proof({ nbf: null }))).toBe('dpop_proof_invalid');
  });

  it('refuses a crit header parameter it does not understand, and an unencoded payload', async () => {
    // Signed by hand: jose will not sign what it does not understand.
    const signed = async (extra: object) => {
      const [, payload] = (await makeProof(key, { token: TOKEN })).split('.') as [string, string];
      const header = base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...extra }));
      const input = new TextEncoder().encode(`${header}.${payload}`);
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, input);
      return `${header}.${payload}.${base64url.encode(new Uint8Array(signature))}`;
    };
    expect(await reason(await signed({}))).toBe('accepted');
    expect(await reason(await signed({ crit: ['urn:x'], 'urn:x': 1 }))).toBe('dpop_proof_invalid');
    expect(await reason(await signed({ crit: ['b64'], b64: false }))).toBe('dpop_proof_invalid');
    expect(await reason(await signed({ crit: [] }))).toBe('dpop_proof_invalid');
  });

  it('refuses a payload that is not a JSON object, and a truncated or padded signature', async () => {
    const proof = await makeProof(key, { token: TOKEN });
    const [h, p, sig] = proof.split('.') as [string, string, string];
    expect(await reason(`${h}.${base64url.encode('[1]')}.${sig}`)).toBe('dpop_proof_invalid');
    expect(await reason(`${h}.${p}.${sig.slice(0, -2)}`)).toBe('dpop_proof_invalid');
    expect(await reason(`${h}.${p}.${sig}AA`)).toBe('dpop_proof_invalid');
    expect(await reason(`${h}.${p}.${sig}`)).toBe('accepted');
  });

  it('step 10 (§8): with nonces on, asks for the nonce when missing or unknown, accepts current and previous', async () => {
    let now = 1_800_000_000_000;
    const nonces = new DpopNonces({ rotate: 60, secret: undefined }, () => now);
    const at = now;
    expect(await reason(await makeProof(key, { token: TOKEN, now: at }), at, nonces)).toBe('dpop_nonce_required');
    expect(
      await reason(await makeProof(key, { token: TOKEN, now: at, claims: { nonce: 'made-up' } }), at, nonces),
    ).toBe('dpop_nonce_required');
    const first = await nonces.current();
    expect(await reason(await makeProof(key, { token: TOKEN, now: at, claims: { nonce: first } }), at, nonces)).toBe(
      'accepted',
    );
    now += 60_000; // rotated once: the previous nonce still works
    expect(await nonces.current()).not.toBe(first);
    expect(await reason(await makeProof(key, { token: TOKEN, now, claims: { nonce: first } }), now, nonces)).toBe(
      'accepted',
    );
    now += 60_000; // rotated twice: it is too old
    expect(await reason(await makeProof(key, { token: TOKEN, now, claims: { nonce: first } }), now, nonces)).toBe(
      'dpop_nonce_required',
    );
  });

  it('a proof that is wrong anyway says so rather than asking for a nonce', async () => {
    const nonces = new DpopNonces({ rotate: 60, secret: undefined }, Date.now);
    expect(await reason(await makeProof(key, { token: TOKEN, htm: 'GET' }), Date.now(), nonces)).toBe(
      'dpop_proof_invalid',
    );
  });

  it('nonces from one secret are accepted by another instance with the same secret only', async () => {
    const secret = 'a'.repeat(40);
    const a = new DpopNonces({ rotate: 300, secret }, Date.now);
    const b = new DpopNonces({ rotate: 300, secret }, Date.now);
    const c = new DpopNonces({ rotate: 300, secret: undefined }, Date.now);
    const nonce = await a.current();
    expect(await b.accepts(nonce)).toBe(true);
    expect(await c.accepts(nonce)).toBe(false);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
