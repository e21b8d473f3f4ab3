/**
 * The contract's "Sender-constrained and opaque tokens", DPoP part (RFC 9449), against every
 * invoice example: proofs broken one rule at a time, Bearer/DPoP confusion, nonces, a refund
 * that requires DPoP, challenge bytes exactly, and oauth4webapi as a real client reading them.
 */
import * as oauth from 'oauth4webapi';
import { beforeAll, describe, expect, it } from 'vitest';
import { challenge, challengeFor, REFUSAL } from './support/challenge.js';
import {
  ALGS,
  createDpopKey,
  type DpopKey,
  dpopChallenge,
  dpopChallengeFor,
  plainBearer,
  plainDpop,
  proof,
} from './support/dpop.js';
import { EXAMPLES } from './support/example.js';
import { type Fixture, useExample } from './support/fixture.js';
import { bearer, type Reply, send } from './support/http.js';
import { MFA } from './support/keys.js';

const now = () => Math.floor(Date.now() / 1000);
const grantFor = (id: string) => [{ type: 'payment_refund', actions: ['refund'], identifier: id }];
const elevated = (id: string) => ({
  scope: 'payments:refund',
  acr: MFA,
  auth_time: now() - 30,
  authorization_details: grantFor(id),
});
const client: oauth.Client = { client_id: 'client-1' };

let key: DpopKey;
beforeAll(async () => {
  key = await createDpopKey();
});

const dpopHeaders = (token: string, ...proofs: string[]): [string, string][] => [
  ['authorization', `DPoP ${token}`],
  ...proofs.map((value): [string, string] => ['DPoP', value]),
];

/** Status, the exact WWW-Authenticate and the JSON body of a refusal. */
function expectExactly(reply: Reply, status: number, header: string, body: Record<string, unknown>) {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.challenge).toBe(header);
  expect(reply.json).toEqual(body);
}
const bodyOf = (code: keyof typeof REFUSAL) => {
  const { error, description } = REFUSAL[code];
  return error === undefined ? { error_description: description } : { error, error_description: description };
};

/** oauth4webapi's DPoP client: proofs with a key pair it generated itself. */
async function oauthClient() {
  const keyPair = await oauth.generateKeyPair('ES256', { extractable: true });
  const handle = oauth.DPoP(client, keyPair);
  return { handle, jkt: await handle.calculateThumbprint() };
}
const resourceRequest = (fx: Fixture, token: string, method: string, path: string, handle: oauth.DPoPHandle) =>
  oauth.protectedResourceRequest(token, method, new URL(path, fx.url), undefined, undefined, {
    DPoP: handle,
    [oauth.allowInsecureRequests]: true,
  });

describe.each(EXAMPLES)('%s, DPoP unset: nothing changes', (name) => {
  const fx = useExample(name);

  it('a DPoP request counts as no token: 401 with only the Bearer challenge, no error', async () => {
    const token = await fx.mint({ claims: { scope: 'invoices:read', cnf: { jkt: key.jkt } } });
    const reply = await send(fx.url, '/invoices', {
      headers: dpopHeaders(token, await proof(key, 'GET', `${fx.url}/invoices`, token)),
    });
    expectExactly(reply, 401, challenge(fx.url), bodyOf('token_missing'));
  });

  it('a DPoP-bound token sent as Bearer is refused: 401 invalid_token', async () => {
    const token = await fx.mint({ claims: { scope: 'invoices:read', cnf: { jkt: key.jkt } } });
    const reply = await send(fx.url, '/invoices', { headers: bearer(token) });
    expectExactly(reply, 401, challengeFor(fx.url, 'token_dpop_bound'), bodyOf('token_dpop_bound'));
  });
});

describe.each(EXAMPLES)('%s, ACCEPT_DPOP', (name) => {
  const fx = useExample(name, { ACCEPT_DPOP: '1' });
  const bound = (claims: Record<string, unknown> = { scope: 'invoices:read' }, jkt = key.jkt) =>
    fx.mint({ claims: { ...claims, cnf: { jkt } } });
  const invalidProof = (reply: Reply) =>
    expectExactly(
      reply,
      401,
      `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_proof_invalid')}`,
      bodyOf('dpop_proof_invalid'),
    );

  it('no token: both challenges, Bearer first, neither with an error', async () => {
    const reply = await send(fx.url, '/invoices');
    expectExactly(reply, 401, `${plainBearer(fx.url)}, ${plainDpop(fx.url)}`, bodyOf('token_missing'));
  });

  it('oauth4webapi: a bound token with its proof is allowed (GET and POST); a plain Bearer token still is', async () => {
    const { handle, jkt } = await oauthClient();
    const read = await fx.mint({ claims: { scope: 'invoices:read', cnf: { jkt } } });
    expect((await resourceRequest(fx, read, 'GET', '/invoices', handle)).status).toBe(200);
    const exporter = await fx.mint({ claims: { scope: 'invoices:export', cnf: { jkt } } });
    expect((await resourceRequest(fx, exporter, 'POST', '/invoices/export', handle)).status).toBe(202);
    expect((await send(fx.url, '/invoices', { headers: bearer(await fx.withScope('invoices:read')) })).status).toBe(
      200,
    );
  });

  it('htu: query and fragment are ignored, and the scheme and host compare case-insensitively', async () => {
    const token = await bound();
    for (const htu of [
      `${fx.url}/invoices?page=2`,
      `${fx.url}/invoices#top`,
      `${fx.url.replace('http://', 'HTTP://')}/invoices`,
    ]) {
      const reply = await send(fx.url, '/invoices?page=2', {
        headers: dpopHeaders(token, await proof(key, 'GET', htu, token)),
      });
      expect(reply.status, htu).toBe(200);
    }
  });

  describe('each proof rule broken alone: 401 invalid_dpop_proof in the DPoP challenge', () => {
    const cases: [string, (token: string, url: string) => Promise<string[]>][] = [
      ['no DPoP header', async () => []],
      [
        'two DPoP headers',
        async (t, u) => [await proof(key, 'GET', `${u}/invoices`, t), await proof(key, 'GET', `${u}/invoices`, t)],
      ],
      ['not a JWS', async () => ['not-a-proof']],
      ['htu on another origin', async (t) => [await proof(key, 'GET', 'https://elsewhere.test/invoices', t)]],
      ['htu with another path', async (t, u) => [await proof(key, 'GET', `${u}/invoices/inv_1001`, t)]],
      ['htm not the method', async (t, u) => [await proof(key, 'POST', `${u}/invoices`, t)]],
      [
        'iat 310 s old',
        async (t, u) => [await proof(key, 'GET', `${u}/invoices`, t, { claims: { iat: now() - 310 } })],
      ],
      [
        'iat 120 s ahead',
        async (t, u) => [await proof(key, 'GET', `${u}/invoices`, t, { claims: { iat: now() + 120 } })],
      ],
      ['no ath', async (t, u) => [await proof(key, 'GET', `${u}/invoices`, t, { claims: { ath: undefined } })]],
      ['ath of another token', async (t, u) => [await proof(key, 'GET', `${u}/invoices`, `${t}x`)]],
      ['no jti', async (t, u) => [await proof(key, 'GET', `${u}/invoices`, t, { claims: { jti: undefined } })]],
      ['typ JWT', async (t, u) => [await proof(key, 'GET', `${u}/invoices`, t, { header: { typ: 'JWT' } })]],
      [
        'typ application/dpop+jwt',
        async (t, u) => [await proof(key, 'GET', `${u}/invoices`, t, { header: { typ: 'application/dpop+jwt' } })],
      ],
      [
        'alg outside algs (ES384)',
        async (t, u) => [await proof(await createDpopKey('ES384'), 'GET', `${u}/invoices`, t)],
      ],
      [
        'a private key in jwk',
        async (t, u) => {
          const jwk = await (await import('jose')).exportJWK(key.privateKey);
          return [await proof(key, 'GET', `${u}/invoices`, t, { header: { jwk } })];
        },
      ],
      [
        'signed by another key',
        async (t, u) => [await proof(key, 'GET', `${u}/invoices`, t, { signWith: (await createDpopKey()).privateKey })],
      ],
    ];
    it.each(cases)('%s', async (_, make) => {
      const token = await bound();
      const reply = await send(fx.url, '/invoices', { headers: dpopHeaders(token, ...(await make(token, fx.url))) });
      invalidProof(reply);
    });

    it('a proof used twice', async () => {
      const token = await bound();
      const once = await proof(key, 'GET', `${fx.url}/invoices`, token);
      expect((await send(fx.url, '/invoices', { headers: dpopHeaders(token, once) })).status).toBe(200);
      const again = await send(fx.url, '/invoices', { headers: dpopHeaders(token, once) });
      expectExactly(
        again,
        401,
        `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_proof_replayed')}`,
        bodyOf('dpop_proof_replayed'),
      );
    });
  });

  it('binding: a token without cnf.jkt, or bound to another key, sent as DPoP gets invalid_token in the DPoP challenge', async () => {
    const unbound = await fx.withScope('invoices:read');
    const a = await send(fx.url, '/invoices', {
      headers: dpopHeaders(unbound, await proof(key, 'GET', `${fx.url}/invoices`, unbound)),
    });
    expectExactly(
      a,
      401,
      `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_token_unbound')}`,
      bodyOf('dpop_token_unbound'),
    );
    const other = await bound({ scope: 'invoices:read' }, (await createDpopKey()).jkt);
    const b = await send(fx.url, '/invoices', {
      headers: dpopHeaders(other, await proof(key, 'GET', `${fx.url}/invoices`, other)),
    });
    expectExactly(
      b,
      401,
      `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_key_mismatch')}`,
      bodyOf('dpop_key_mismatch'),
    );
  });

  it('a bound token sent as Bearer: invalid_token in the Bearer challenge, DPoP offered after it', async () => {
    const reply = await send(fx.url, '/invoices', { headers: bearer(await bound()) });
    expectExactly(
      reply,
      401,
      `${challengeFor(fx.url, 'token_dpop_bound')}, ${plainDpop(fx.url)}`,
      bodyOf('token_dpop_bound'),
    );
  });

  it('a Bearer refusal has its error in the Bearer challenge; a DPoP one in the DPoP challenge', async () => {
    const weak = await fx.withScope('other');
    const viaBearer = await send(fx.url, '/invoices', { headers: bearer(weak) });
    expectExactly(
      viaBearer,
      403,
      `${challengeFor(fx.url, 'scope_missing', 'invoices:read')}, ${plainDpop(fx.url)}`,
      bodyOf('scope_missing'),
    );
    const token = await bound({ scope: 'other' });
    const viaDpop = await send(fx.url, '/invoices', {
      headers: dpopHeaders(token, await proof(key, 'GET', `${fx.url}/invoices`, token)),
    });
    expectExactly(
      viaDpop,
      403,
      `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'scope_missing', 'invoices:read')}`,
      bodyOf('scope_missing'),
    );
  });

  it('step-up over DPoP: algs stands after max_age', async () => {
    const token = await bound({ ...elevated('inv_1004'), acr: 'urn:weak' });
    const path = '/invoices/inv_1004/refund';
    const reply = await send(fx.url, path, {
      method: 'POST',
      headers: dpopHeaders(token, await proof(key, 'POST', `${fx.url}${path}`, token)),
    });
    const { error, description } = REFUSAL.user_authentication_required;
    expectExactly(
      reply,
      401,
      `${plainBearer(fx.url)}, ${dpopChallenge(fx.url, { error, acrValues: MFA, maxAge: '600', description })}`,
      { error, error_description: description },
    );
    expect(reply.challenge).toMatch(/max_age="600", algs="ES256 EdDSA PS256 RS256", resource_metadata=/);
  });

  it('oauth4webapi reads both challenges', async () => {
    const { handle, jkt } = await oauthClient();
    const token = await fx.mint({ claims: { scope: 'other', cnf: { jkt } } });
    const error = await resourceRequest(fx, token, 'GET', '/invoices', handle).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenges = (error as oauth.WWWAuthenticateChallengeError).cause;
    expect(challenges.map((c) => c.scheme)).toEqual(['bearer', 'dpop']);
    expect(challenges[0]?.parameters).toEqual({
      realm: 'invoices',
      resource_metadata: `${fx.url}/.well-known/oauth-protected-resource`,
    });
    expect(challenges[1]?.parameters).toMatchObject({
      realm: 'invoices',
      error: 'insufficient_scope',
      scope: 'invoices:read',
      algs: ALGS,
      error_description: REFUSAL.scope_missing.description,
    });
  });

  it('a refund refused for its proof has no effect: the same token with a valid proof refunds', async () => {
    const token = await bound(elevated('inv_1005'));
    const path = '/invoices/inv_1005/refund';
    const bad = await send(fx.url, path, {
      method: 'POST',
      headers: dpopHeaders(token, await proof(key, 'GET', `${fx.url}${path}`, token)),
    });
    invalidProof(bad);
    const good = await send(fx.url, path, {
      method: 'POST',
      headers: dpopHeaders(token, await proof(key, 'POST', `${fx.url}${path}`, token)),
    });
    expect(good.status, good.text).toBe(200);
    expect(good.json).toEqual({ id: 'inv_1005', status: 'refunded' });
  });
});

describe.each(EXAMPLES)('%s, ACCEPT_DPOP and DPOP_NONCE', (name) => {
  const fx = useExample(name, { ACCEPT_DPOP: '1', DPOP_NONCE: '1' });

  it('a proof without the nonce: 401 use_dpop_nonce with DPoP-Nonce; the retry with it succeeds', async () => {
    const token = await fx.mint({ claims: { scope: 'invoices:read', cnf: { jkt: key.jkt } } });
    const first = await send(fx.url, '/invoices', {
      headers: dpopHeaders(token, await proof(key, 'GET', `${fx.url}/invoices`, token)),
    });
    expectExactly(
      first,
      401,
      `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_nonce_required')}`,
      bodyOf('dpop_nonce_required'),
    );
    const nonce = first.headers['dpop-nonce'];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    const wrong = await send(fx.url, '/invoices', {
      headers: dpopHeaders(
        token,
        await proof(key, 'GET', `${fx.url}/invoices`, token, { claims: { nonce: 'made-up' } }),
      ),
    });
    expect(wrong.json?.error).toBe('use_dpop_nonce');
    const retry = await send(fx.url, '/invoices', {
      headers: dpopHeaders(token, await proof(key, 'GET', `${fx.url}/invoices`, token, { claims: { nonce } })),
    });
    expect(retry.status, retry.text).toBe(200);
  });

  it('oauth4webapi: isDPoPNonceError on the first try, then the retry with the cached nonce succeeds', async () => {
    const { handle, jkt } = await oauthClient();
    const token = await fx.mint({ claims: { scope: 'invoices:read', cnf: { jkt } } });
    const error = await resourceRequest(fx, token, 'GET', '/invoices', handle).catch((e: unknown) => e);
    expect(oauth.isDPoPNonceError(error)).toBe(true);
    expect((await resourceRequest(fx, token, 'GET', '/invoices', handle)).status).toBe(200);
  });
});

describe.each(EXAMPLES)('%s, REFUND_REQUIRES_DPOP', (name) => {
  const fx = useExample(name, { REFUND_REQUIRES_DPOP: '1' });

  it('a refund with a Bearer token, or none: 401 with only the DPoP challenge, without error', async () => {
    const path = '/invoices/inv_1006/refund';
    const viaBearer = await send(fx.url, path, {
      method: 'POST',
      headers: bearer(await fx.mint({ claims: elevated('inv_1006') })),
    });
    expectExactly(viaBearer, 401, plainDpop(fx.url), bodyOf('dpop_required'));
    const none = await send(fx.url, path, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.challenge).toBe(plainDpop(fx.url));
  });

  it('other routes accept both schemes (DPoP implied)', async () => {
    expect((await send(fx.url, '/invoices', { headers: bearer(await fx.withScope('invoices:read')) })).status).toBe(
      200,
    );
    expect((await send(fx.url, '/invoices')).challenge).toBe(`${plainBearer(fx.url)}, ${plainDpop(fx.url)}`);
  });

  it('a refund with a bound token and its proof succeeds once; a refused one names only DPoP', async () => {
    const { handle, jkt } = await oauthClient();
    const token = await fx.mint({ claims: { ...elevated('inv_1007'), cnf: { jkt } } });
    const done = await resourceRequest(fx, token, 'POST', '/invoices/inv_1007/refund', handle);
    expect(done.status).toBe(200);
    const weak = await fx.mint({ claims: { ...elevated('inv_1008'), acr: 'urn:weak', cnf: { jkt: key.jkt } } });
    const path = '/invoices/inv_1008/refund';
    const reply = await send(fx.url, path, {
      method: 'POST',
      headers: dpopHeaders(weak, await proof(key, 'POST', `${fx.url}${path}`, weak)),
    });
    const { error, description } = REFUSAL.user_authentication_required;
    expect(reply.challenge).toBe(dpopChallenge(fx.url, { error, acrValues: MFA, maxAge: '600', description }));
  });
});
