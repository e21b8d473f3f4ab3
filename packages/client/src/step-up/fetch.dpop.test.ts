import { describe, expect, it } from 'vitest';
import { a, as, bound, jkt, options, refund, routes, setAsMode } from '../../test/dpop-fixture.js';
import { checkProof, dpopToken } from '../../test/dpop-proofs.js';
import { json } from '../../test/servers.js';
import { createStepUpFetch } from './fetch.js';

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
    setAsMode('nonce');
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
