/**
 * DPoP on the step-up fetch (RFC 9449), attacked with real servers on 127.0.0.1 and real proofs
 * by oauth4webapi, checked by independent code (test/dpop-proofs.ts): a resource that asks for
 * nonces forever, one that demands DPoP for a Bearer token, an authorization server that answers
 * a proof with a Bearer token, redirects out of the resource; then the honest paths.
 */
import type { ServerResponse } from 'node:http';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkProof, dpopToken } from '../../test/dpop-proofs.js';
import { json, type Seen, startServer, type TestServer } from '../../test/servers.js';
import { ConfigurationError, StepUpError } from './errors.js';
import { createStepUpFetch, type StepUpFetchOptions } from './fetch.js';
import { tokenEndpointStepUp } from './token-endpoint.js';
import type { StepUp } from './types.js';

type Route = (request: Seen, response: ServerResponse, origin: string) => void | Promise<void>;
const routes = new Map<string, Route>();
let a: TestServer; // the resource the client trusts
let b: TestServer; // a second allowed origin
let c: TestServer; // an origin nobody trusts
let as: TestServer; // the authorization server's token endpoint
/** How the test authorization server answers a token request with a proof. */
let asMode: 'bind' | 'bearer' | 'nonce' = 'bind';
const bound = new Map<string, string>(); // token → the jkt it is bound to
let issued = 0;

const serve = (name: string) => async (request: Seen, response: ServerResponse) => {
  const route = routes.get(`${name} ${request.path.split('?')[0]}`);
  if (route === undefined) return json(response, 404, { error: 'not_found' });
  await route(request, response, name === 'a' ? a.origin : name === 'b' ? b.origin : c.origin);
};

/** A route that wants a DPoP-bound elevated token: the baseline gets a step-up in the scheme it used. */
const refund: Route = async (request, response, origin) => {
  const token = dpopToken(request.authorization);
  if (token === undefined) {
    return json(response, 401, { error: 'x' }, { 'www-authenticate': 'Bearer realm="t", DPoP algs="ES256"' });
  }
  try {
    const proof = await checkProof(request.dpop, request.method, `${origin}${request.path}`, token);
    if (bound.get(token) !== proof.jkt) throw new Error('cnf.jkt');
  } catch {
    return json(
      response,
      401,
      {},
      { 'www-authenticate': 'Bearer realm="t", DPoP algs="ES256", error="invalid_token"' },
    );
  }
  if (token.startsWith('baseline')) {
    return json(
      response,
      403,
      {},
      { 'www-authenticate': 'Bearer realm="t", DPoP algs="ES256", error="insufficient_scope", scope="refund"' },
    );
  }
  json(response, 200, { refunded: true });
};

let keyPair: CryptoKeyPair;
let jkt: string;
const baseline = () => ({ accessToken: 'baseline-1', tokenType: 'DPoP' as const });

const authorizationServer = (): oauth.AuthorizationServer => ({
  issuer: as.origin,
  token_endpoint: `${as.origin}/token`,
});
const stepUp = (): StepUp =>
  tokenEndpointStepUp({
    authorizationServer: authorizationServer(),
    client: { client_id: 'c' },
    clientAuth: oauth.None(),
    allowInsecureRequests: true,
  });

const options = (overrides: Partial<StepUpFetchOptions> = {}): StepUpFetchOptions => ({
  allowedResources: [a.origin, b.origin],
  getToken: baseline,
  policy: { scopes: ['refund'] },
  dpop: { keyPair },
  stepUp: stepUp(),
  ...overrides,
});

beforeAll(async () => {
  keyPair = await oauth.generateKeyPair('ES256');
  jkt = await oauth.DPoP({}, keyPair).calculateThumbprint();
  [a, b, c] = await Promise.all([startServer(serve('a')), startServer(serve('b')), startServer(serve('c'))]);
  as = await startServer(async (request, response) => {
    if (request.method !== 'POST' || request.path !== '/token') return json(response, 404, {});
    const token = `elevated-${++issued}`;
    if (request.dpop === undefined) return json(response, 200, { access_token: token, token_type: 'Bearer' });
    const proof = await checkProof(request.dpop, 'POST', `${as.origin}/token`);
    if (asMode === 'nonce' && proof.nonce !== 'as-nonce-1') {
      return json(response, 400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'as-nonce-1' });
    }
    if (asMode === 'bearer') return json(response, 200, { access_token: token, token_type: 'Bearer', expires_in: 60 });
    bound.set(token, proof.jkt);
    json(response, 200, { access_token: token, token_type: 'DPoP', expires_in: 60 });
  });
});

afterAll(() => Promise.all([a, b, c, as].map((server) => server.close())));

beforeEach(() => {
  for (const server of [a, b, c, as]) server.seen.length = 0;
  routes.clear();
  asMode = 'bind';
  issued = 0;
  bound.clear();
  bound.set('baseline-1', jkt);
});

/** A step-up that must not be reached: counts and fails. */
const countingStepUp =
  (count: () => void): StepUp =>
  async () => {
    count();
    throw new StepUpError('failed', 'not expected');
  };

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof StepUpError ? error.code : String(error)),
  );

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
    asMode = 'bearer';
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

describe('DPoP, honest paths', () => {
  it('binds the elevated token to the key at the token endpoint and presents it with a proof for the URL', async () => {
    routes.set('a /refund', refund);
    const fetch = createStepUpFetch(options());
    const response = await fetch(`${a.origin}/refund?id=1`, { method: 'POST', body: 'amount=1' });
    expect(response.status).toBe(200);
    expect(as.seen).toHaveLength(1);
    const tokenProof = await checkProof(as.seen[0]?.dpop, 'POST', `${as.origin}/token`);
    expect(tokenProof.jkt).toBe(jkt);
    expect(a.seen.map((seen) => seen.authorization)).toEqual(['DPoP baseline-1', 'DPoP elevated-1']);
    const proof = await checkProof(a.seen[1]?.dpop, 'POST', `${a.origin}/refund`, 'elevated-1');
    expect(proof.jkt).toBe(jkt);
    expect(a.seen[1]?.body).toBe('amount=1');
  });

  it('a reused elevated token gets a fresh proof on every request', async () => {
    routes.set('a /refund', refund);
    const fetch = createStepUpFetch(options());
    expect((await fetch(`${a.origin}/refund`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${a.origin}/refund`, { method: 'POST' })).status).toBe(200);
    expect(as.seen).toHaveLength(1); // one approval, reused until it expires
    const elevated = a.seen.filter((seen) => seen.authorization === 'DPoP elevated-1');
    expect(elevated).toHaveLength(2);
    const proofs = await Promise.all(
      elevated.map((seen) => checkProof(seen.dpop, 'POST', `${a.origin}/refund`, 'elevated-1')),
    );
    expect(proofs[0]?.jti).not.toBe(proofs[1]?.jti);
  });

  it('a generated key (dpop: true) binds and proves just the same', async () => {
    routes.set('a /refund', async (request, response, origin) => {
      const token = dpopToken(request.authorization);
      if (token === undefined) {
        return json(response, 403, {}, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="refund"' });
      }
      const proof = await checkProof(request.dpop, 'POST', `${origin}/refund`, token);
      json(response, bound.get(token) === proof.jkt ? 200 : 401, {});
    });
    const fetch = createStepUpFetch(options({ dpop: true, getToken: () => 'bearer-1' }));
    expect((await fetch(`${a.origin}/refund`, { method: 'POST' })).status).toBe(200);
    expect(a.seen.map((seen) => seen.authorization)).toEqual(['Bearer bearer-1', 'DPoP elevated-1']);
    expect(bound.get('elevated-1')).not.toBe(jkt); // its own key, not the test's
  });

  it('an authorization server that asks for a nonce gets the token request once more, with it', async () => {
    routes.set('a /refund', refund);
    asMode = 'nonce';
    const response = await createStepUpFetch(options())(`${a.origin}/refund`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(as.seen).toHaveLength(2);
    expect((await checkProof(as.seen[1]?.dpop, 'POST', `${as.origin}/token`)).nonce).toBe('as-nonce-1');
  });

  it('a redirect within the resource gets a fresh proof for each hop', async () => {
    routes.set('a /old', (_, response) => {
      response.writeHead(308, { location: '/new' }).end();
    });
    routes.set('a /new', (_, response) => json(response, 200, {}));
    expect((await createStepUpFetch(options())(`${a.origin}/old`, { method: 'PUT', body: 'b' })).status).toBe(200);
    const [old, renewed] = await Promise.all([
      checkProof(a.seen[0]?.dpop, 'PUT', `${a.origin}/old`, 'baseline-1'),
      checkProof(a.seen[1]?.dpop, 'PUT', `${a.origin}/new`, 'baseline-1'),
    ]);
    expect(old.jti).not.toBe(renewed.jti);
    expect(a.seen[1]?.body).toBe('b');
  });

  it('redirect: "error" still fails on a redirect with a DPoP token, as fetch does', async () => {
    routes.set('a /old', (_, response) => {
      response.writeHead(308, { location: '/new' }).end();
    });
    await expect(createStepUpFetch(options())(`${a.origin}/old`, { redirect: 'error' })).rejects.toThrow(TypeError);
  });
});
