/**
 * DPoP (RFC 9449) with server nonces on each runtime: the proof, its nonce (HMAC over WebCrypto),
 * its single use, the token's binding, and both challenges byte for byte.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { challengeFor, REFUSAL } from '../blackbox/support/challenge.js';
import {
  createDpopKey,
  type DpopKey,
  dpopChallengeFor,
  plainBearer,
  plainDpop,
  proof,
} from '../blackbox/support/dpop.js';
import { bearer, type Reply, send } from '../blackbox/support/http.js';
import { useRuntime } from './support/fixture.js';
import { CASES } from './support/select.js';

let key: DpopKey;
beforeAll(async () => {
  key = await createDpopKey();
});

const dpopHeaders = (token: string, ...proofs: string[]): [string, string][] => [
  ['authorization', `DPoP ${token}`],
  ...proofs.map((value): [string, string] => ['DPoP', value]),
];
function expectExactly(reply: Reply, status: number, header: string, code: keyof typeof REFUSAL) {
  const { error, description } = REFUSAL[code];
  expect(reply.status, reply.text).toBe(status);
  expect(reply.challenge).toBe(header);
  expect(reply.json).toEqual(
    error === undefined ? { error_description: description } : { error, error_description: description },
  );
}

describe.each(CASES)('%s (%s handler): ACCEPT_DPOP and DPOP_NONCE', (runtime, app) => {
  const fx = useRuntime(runtime, app, { ACCEPT_DPOP: '1', DPOP_NONCE: '1' });
  const bound = (scope = 'invoices:read') => fx.mint({ claims: { scope, cnf: { jkt: key.jkt } } });
  const url = () => `${fx.url}/invoices`;

  it('no token: both challenges, Bearer first, neither with an error', async () => {
    expectExactly(
      await send(fx.url, '/invoices'),
      401,
      `${plainBearer(fx.url)}, ${plainDpop(fx.url)}`,
      'token_missing',
    );
  });

  it('a proof without the nonce: 401 use_dpop_nonce and DPoP-Nonce; the retry with it is allowed, once', async () => {
    const token = await bound();
    const first = await send(fx.url, '/invoices', {
      headers: dpopHeaders(token, await proof(key, 'GET', url(), token)),
    });
    expectExactly(
      first,
      401,
      `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_nonce_required')}`,
      'dpop_nonce_required',
    );
    const nonce = first.headers['dpop-nonce'];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/);
    const once = await proof(key, 'GET', url(), token, { claims: { nonce } });
    const retry = await send(fx.url, '/invoices', { headers: dpopHeaders(token, once) });
    expect(retry.status, retry.text).toBe(200);
    const replayed = await send(fx.url, '/invoices', { headers: dpopHeaders(token, once) });
    expectExactly(
      replayed,
      401,
      `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_proof_replayed')}`,
      'dpop_proof_replayed',
    );
  });

  it('two DPoP headers, a proof for another URL, or none: 401 invalid_dpop_proof', async () => {
    const token = await bound();
    const nonce = (
      await send(fx.url, '/invoices', { headers: dpopHeaders(token, await proof(key, 'GET', url(), token)) })
    ).headers['dpop-nonce'];
    const good = () => proof(key, 'GET', url(), token, { claims: { nonce } });
    const expected = `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_proof_invalid')}`;
    for (const proofs of [
      [await good(), await good()],
      [await proof(key, 'GET', `${fx.url}/other`, token, { claims: { nonce } })],
      [],
    ])
      expectExactly(
        await send(fx.url, '/invoices', { headers: dpopHeaders(token, ...proofs) }),
        401,
        expected,
        'dpop_proof_invalid',
      );
  });

  it('binding: an unbound token sent as DPoP, or a bound one as Bearer, is 401 invalid_token in that scheme', async () => {
    const bearerReply = await send(fx.url, '/invoices', { headers: bearer(await bound()) });
    expectExactly(
      bearerReply,
      401,
      `${challengeFor(fx.url, 'token_dpop_bound')}, ${plainDpop(fx.url)}`,
      'token_dpop_bound',
    );
    const unbound = await fx.withScope('invoices:read');
    const nonce = (
      await send(fx.url, '/invoices', { headers: dpopHeaders(unbound, await proof(key, 'GET', url(), unbound)) })
    ).headers['dpop-nonce'];
    const reply = await send(fx.url, '/invoices', {
      headers: dpopHeaders(unbound, await proof(key, 'GET', url(), unbound, { claims: { nonce } })),
    });
    expectExactly(
      reply,
      401,
      `${plainBearer(fx.url)}, ${dpopChallengeFor(fx.url, 'dpop_token_unbound')}`,
      'dpop_token_unbound',
    );
  });
});
