import { describe, expect, it } from 'vitest';
import {
  a,
  as,
  b,
  baseline,
  c,
  code,
  countingStepUp,
  keyPair,
  options,
  refund,
  routes,
  setAsMode,
} from '../../test/dpop-fixture.js';
import { checkProof } from '../../test/dpop-proofs.js';
import { json } from '../../test/servers.js';
import { ConfigurationError } from './errors.js';
import { createStepUpFetch, type StepUpFetchOptions } from './fetch.js';

describe('DPoP, hostile: the client never loops, never downgrades, never leaks a proof', () => {
  it('a resource that answers use_dpop_nonce forever gets one retry with its nonce, then the caller gets the 401', async () => {
    let nonces = 0;
    routes.set('a /x', (_, response) =>
      json(
        response,
        401,
        {},
        { 'www-authenticate': 'DPoP algs="ES256", error="use_dpop_nonce"', 'dpop-nonce': `n-${++nonces}` },
      ),
    );
    let stepUps = 0;
    const response = await createStepUpFetch(options({ stepUp: countingStepUp(() => stepUps++) }))(`${a.origin}/x`);
    expect(response.status).toBe(401);
    expect(a.seen).toHaveLength(2);
    const [first, second] = await Promise.all(
      a.seen.map((seen) => checkProof(seen.dpop, 'GET', `${a.origin}/x`, 'baseline-1')),
    );
    expect(first?.nonce).toBeUndefined();
    expect(second?.nonce).toBe('n-1');
    expect(first?.jti).not.toBe(second?.jti);
    expect(stepUps).toBe(0);
  });

  it('a use_dpop_nonce without a DPoP-Nonce header is not retried: there is nothing new to send', async () => {
    routes.set('a /x', (_, response) =>
      json(response, 401, {}, { 'www-authenticate': 'DPoP algs="ES256", error="use_dpop_nonce"' }),
    );
    const response = await createStepUpFetch(options())(`${a.origin}/x`);
    expect(response.status).toBe(401);
    expect(a.seen).toHaveLength(1);
  });

  it('a resource that demands DPoP for a Bearer token gets its 401 back: no step-up, no re-sending the token as DPoP', async () => {
    routes.set('a /refund', refund);
    for (const dpop of [undefined, { keyPair }]) {
      a.seen.length = 0;
      let stepUps = 0;
      const fetch = createStepUpFetch({
        ...options({ getToken: () => 'bearer-1', stepUp: countingStepUp(() => stepUps++) }),
        ...(dpop === undefined ? { dpop: undefined } : { dpop }),
      });
      const response = await fetch(`${a.origin}/refund`, { method: 'POST' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="t", DPoP algs="ES256"');
      expect(a.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([['Bearer bearer-1', undefined]]);
      expect(stepUps).toBe(0);
    }
  });

  it('an authorization server that answers a proof with token_type Bearer: token_not_bound, and that token is never sent', async () => {
    routes.set('a /refund', refund);
    setAsMode('bearer');
    const fetch = createStepUpFetch(options());
    expect(await code(fetch(`${a.origin}/refund`, { method: 'POST' }))).toBe('token_not_bound');
    expect(as.seen).toHaveLength(1);
    expect(as.seen[0]?.dpop).toBeDefined(); // it was asked with a proof
    expect(a.seen.map((seen) => seen.authorization)).toEqual(['DPoP baseline-1']);
  });

  it('a custom step-up that returns a Bearer token to a fetch with a DPoP key: token_not_bound', async () => {
    routes.set('a /refund', refund);
    const fetch = createStepUpFetch(
      options({ stepUp: async () => ({ accessToken: 'plain', expiresAt: Date.now() + 6e4 }) }),
    );
    expect(await code(fetch(`${a.origin}/refund`, { method: 'POST' }))).toBe('token_not_bound');
    expect(a.seen).toHaveLength(1);
  });

  it('a custom step-up that claims a DPoP token for a fetch without a key: malformed_token', async () => {
    routes.set('a /refund', (_, response) =>
      json(response, 403, {}, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="refund"' }),
    );
    const fetch = createStepUpFetch(
      options({ dpop: undefined, getToken: () => 'b', stepUp: async () => ({ accessToken: 't', tokenType: 'DPoP' }) }),
    );
    expect(await code(fetch(`${a.origin}/refund`, { method: 'POST' }))).toBe('malformed_token');
    expect(a.seen).toHaveLength(1);
  });

  it('getToken answering a DPoP token without a key, or a made-up type: malformed_token, nothing sent', async () => {
    routes.set('a /x', (_, response) => json(response, 200, {}));
    const noKey = createStepUpFetch(options({ dpop: undefined }));
    expect(await code(noKey(`${a.origin}/x`))).toBe('malformed_token');
    const madeUp = createStepUpFetch(
      options({ getToken: () => ({ accessToken: 't', tokenType: 'MAC' }) as unknown as string }),
    );
    expect(await code(madeUp(`${a.origin}/x`))).toBe('malformed_token');
    expect(a.seen).toHaveLength(0);
  });

  it('a redirect out of the resource carries neither the token nor a proof, and never comes back with them', async () => {
    routes.set('a /go', (_, response) => {
      response.writeHead(307, { location: `${c.origin}/catch` }).end();
    });
    routes.set('c /catch', (_, response) => {
      response.writeHead(307, { location: `${a.origin}/back` }).end();
    });
    routes.set('a /back', (_, response) => json(response, 200, {}));
    const response = await createStepUpFetch(options())(`${a.origin}/go`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(200);
    expect(c.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([[undefined, undefined]]);
    expect(a.seen.map((seen) => seen.authorization)).toEqual(['DPoP baseline-1', undefined]);
    expect(a.seen[1]?.dpop).toBeUndefined();
  });

  it('a URL outside allowedResources gets no proof, no token, and getToken is not asked', async () => {
    routes.set('c /x', (_, response) => json(response, 200, {}));
    let asked = 0;
    const fetch = createStepUpFetch(
      options({
        getToken: () => {
          asked++;
          return baseline();
        },
      }),
    );
    expect((await fetch(`${c.origin}/x`, { headers: { dpop: 'caller-made' } })).status).toBe(200);
    expect(asked).toBe(0);
    expect(c.seen[0]?.authorization).toBeUndefined();
    // The caller's own header is the caller's business; the fetch adds nothing of its key.
    expect(c.seen[0]?.dpop).toBe('caller-made');
  });

  it("keeps nonces per origin: one resource's nonce is never sent to another", async () => {
    let sent = false;
    routes.set('a /x', (_, response) => {
      if (!sent) {
        sent = true;
        return json(
          response,
          401,
          {},
          { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'nonce-of-a' },
        );
      }
      json(response, 200, {});
    });
    routes.set('b /x', (_, response) => json(response, 200, {}));
    const fetch = createStepUpFetch(options());
    expect((await fetch(`${a.origin}/x`)).status).toBe(200);
    expect((await fetch(`${b.origin}/x`)).status).toBe(200);
    expect((await checkProof(a.seen[1]?.dpop, 'GET', `${a.origin}/x`, 'baseline-1')).nonce).toBe('nonce-of-a');
    expect((await checkProof(b.seen[0]?.dpop, 'GET', `${b.origin}/x`, 'baseline-1')).nonce).toBeUndefined();
  });

  it('refuses a malformed dpop option at creation, naming it', () => {
    const bad = (dpop: unknown) => () => createStepUpFetch(options({ dpop: dpop as StepUpFetchOptions['dpop'] }));
    expect(bad('yes')).toThrow(ConfigurationError);
    expect(bad({})).toThrow(/"dpop"/);
    expect(bad({ keyPair: { privateKey: 'k', publicKey: 'k' } })).toThrow(/"dpop.keyPair"/);
  });

  it('refuses at creation a key pair that cannot sign proofs or whose public key cannot be sent', async () => {
    const ecdh = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
      'deriveBits',
    ])) as CryptoKeyPair;
    expect(() => createStepUpFetch(options({ dpop: { keyPair: ecdh } }))).toThrow(/"dpop.keyPair"/);
    const hidden = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    // WebCrypto always makes a public key extractable; one imported as not extractable cannot go in a proof.
    const publicKey = await crypto.subtle.importKey(
      'jwk',
      await crypto.subtle.exportKey('jwk', hidden.publicKey),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    expect(() =>
      createStepUpFetch(options({ dpop: { keyPair: { privateKey: hidden.privateKey, publicKey } } })),
    ).toThrow(/"dpop.keyPair"/);
  });
});
