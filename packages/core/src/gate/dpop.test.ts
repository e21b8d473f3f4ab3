import { beforeAll, describe, expect, it } from 'vitest';
import { createProofKey, makeProof, type ProofKey } from '../../test/dpop.js';
import { createTestIssuer, RESOURCE, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { ConfigurationError } from '../errors.js';
import type { RequestFacts } from '../facts.js';
import { MemoryReplayStore } from '../replay/memory.js';

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  refund: { scopes: ['payments:refund'], requireDpop: true },
});
const bearerOnly = defineActions({ read: { scopes: ['invoices:read'] } });
const RM = `resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource"`;
const BEARER = `Bearer realm="test", ${RM}`;
const DPOP = `DPoP realm="test", algs="ES256 EdDSA PS256 RS256", ${RM}`;

let issuer: TestIssuer;
let key: ProofKey;
beforeAll(async () => {
  issuer = await createTestIssuer();
  key = await createProofKey();
});

const dpopFacts = (
  token: string,
  proof: string | string[] | undefined,
  extra: Partial<RequestFacts> = {},
): RequestFacts => ({
  method: 'POST',
  path: '/x',
  authorization: `DPoP ${token}`,
  dpop: proof,
  ...extra,
});

async function boundToken(scope = 'invoices:read payments:refund', jkt = key.jkt) {
  return issuer.mint({ scope, cnf: { jkt } });
}

function refusal(decision: Awaited<ReturnType<ReturnType<typeof testGate>['decide']>>) {
  if (decision.allow) throw new Error('allowed');
  return decision;
}

describe('gate with DPoP (RFC 9449)', () => {
  it('allows a bound token with a valid proof, and says nothing more', async () => {
    const gate = testGate(issuer, actions, { dpop: true });
    const token = await boundToken();
    const decision = await gate.decide('read', dpopFacts(token, await makeProof(key, { token })));
    expect(decision.allow).toBe(true);
    expect(decision.allow && decision.headers).toBeUndefined();
  });

  it('offers both challenges, Bearer first, when no token is sent', async () => {
    const gate = testGate(issuer, actions, { dpop: true });
    const refused = refusal(await gate.decide('read', { method: 'GET', path: '/x', authorization: undefined }));
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe(`${BEARER}, ${DPOP}`);
  });

  it('refuses a DPoP request without a proof, or with two, with invalid_dpop_proof in the DPoP challenge', async () => {
    const gate = testGate(issuer, actions, { dpop: true });
    const token = await boundToken();
    const proof = await makeProof(key, { token });
    for (const header of [undefined, [proof, proof]]) {
      const refused = refusal(await gate.decide('read', dpopFacts(token, header)));
      expect(refused.code).toBe('dpop_proof_invalid');
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe(
        `${BEARER}, DPoP realm="test", error="invalid_dpop_proof", algs="ES256 EdDSA PS256 RS256", ${RM}, error_description="The DPoP proof is missing or not valid for this request"`,
      );
    }
  });

  it('refuses a bound token sent as Bearer, with or without DPoP on (§7.2)', async () => {
    const token = await boundToken();
    for (const gate of [testGate(issuer, actions, { dpop: true }), testGate(issuer, bearerOnly)]) {
      const refused = refusal(
        await gate.decide('read', { method: 'POST', path: '/x', authorization: `Bearer ${token}` }),
      );
      expect(refused.code).toBe('token_dpop_bound');
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="test", error="invalid_token"/);
    }
  });

  it('refuses a token without cnf.jkt sent as DPoP, and one bound to another key, as invalid_token in the DPoP challenge', async () => {
    const gate = testGate(issuer, actions, { dpop: true });
    const unbound = await issuer.mint({ scope: 'invoices:read' });
    const a = refusal(await gate.decide('read', dpopFacts(unbound, await makeProof(key, { token: unbound }))));
    expect(a.code).toBe('dpop_token_unbound');
    expect(a.headers['www-authenticate']).toMatch(
      /^Bearer realm="test", resource_metadata="[^"]+", DPoP realm="test", error="invalid_token"/,
    );
    const other = await createProofKey();
    const elsewhere = await boundToken('invoices:read', other.jkt);
    const b = refusal(await gate.decide('read', dpopFacts(elsewhere, await makeProof(key, { token: elsewhere }))));
    expect(b.code).toBe('dpop_key_mismatch');
    expect(b.body.error).toBe('invalid_token');
  });

  it('treats DPoP as another scheme while DPoP is off (401 without error, unchanged)', async () => {
    const gate = testGate(issuer, bearerOnly);
    const token = await boundToken();
    const refused = refusal(await gate.decide('read', dpopFacts(token, await makeProof(key, { token }))));
    expect(refused.code).toBe('token_missing');
    expect(refused.headers['www-authenticate']).toBe(BEARER);
  });

  it('requireDpop: a Bearer request gets 401 with only the DPoP challenge and no error (RFC 6750 §3.1)', async () => {
    const gate = testGate(issuer, actions, { dpop: true });
    const token = await issuer.mint({ scope: 'payments:refund' });
    const refused = refusal(
      await gate.decide('refund', { method: 'POST', path: '/x', authorization: `Bearer ${token}` }),
    );
    expect(refused.code).toBe('dpop_required');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe(DPOP);
    expect(refused.body).toEqual({ error_description: 'This action requires a DPoP-bound access token' });
    const none = refusal(await gate.decide('refund', { method: 'POST', path: '/x', authorization: undefined }));
    expect(none.headers['www-authenticate']).toBe(DPOP);
    const bound = await boundToken();
    expect((await gate.decide('refund', dpopFacts(bound, await makeProof(key, { token: bound })))).allow).toBe(true);
  });

  it('refuses a replayed proof, across gates sharing a store', async () => {
    const replayStore = new MemoryReplayStore();
    const one = testGate(issuer, actions, { dpop: true, replayStore });
    const two = testGate(issuer, actions, { dpop: true, replayStore });
    const token = await boundToken();
    const proof = await makeProof(key, { token });
    expect((await one.decide('read', dpopFacts(token, proof))).allow).toBe(true);
    const again = refusal(await two.decide('read', dpopFacts(token, proof)));
    expect(again.code).toBe('dpop_proof_replayed');
    expect(again.body.error).toBe('invalid_dpop_proof');
  });

  it('the same request asked about twice (MCP: baseline, then tool) uses its proof once', async () => {
    const gate = testGate(issuer, actions, { dpop: true });
    const token = await boundToken();
    const facts = dpopFacts(token, await makeProof(key, { token }));
    expect((await gate.decide('read', facts)).allow).toBe(true);
    expect((await gate.decide('refund', facts)).allow).toBe(true);
    expect(refusal(await gate.decide('read', { ...facts })).code).toBe('dpop_proof_replayed');
  });

  it('a silent replay store fails closed with 503 within replayTimeout, and the proof is not burnt', async () => {
    const memory = new MemoryReplayStore();
    let silent = true;
    const released: string[] = [];
    const replayStore = {
      consume: (k: string, use: { expiresAt: number; attempt: string }) =>
        silent ? new Promise<never>(() => {}) : memory.consume(k, use),
      release: async (k: string, attempt: string) => {
        released.push(k);
        await memory.release(k, attempt);
      },
    };
    const gate = testGate(issuer, actions, { dpop: true, replayStore, replayTimeout: 50 });
    const token = await boundToken();
    const proof = await makeProof(key, { token });
    const refused = refusal(await gate.decide('read', dpopFacts(token, proof)));
    expect(refused.status).toBe(503);
    expect(refused.code).toBe('replay_store_unavailable');
    expect(released).toHaveLength(1);
    expect(released[0]).toMatch(/^dpop:/);
    silent = false;
    expect((await gate.decide('read', dpopFacts(token, proof))).allow).toBe(true);
  });

  it('a refused request does not use up its proof', async () => {
    let refuse = true;
    const hooked = defineActions({
      act: { scopes: [], check: () => (refuse ? 'insufficient_scope' : undefined) },
    });
    const gate = testGate(issuer, hooked, { dpop: true });
    const token = await boundToken();
    const proof = await makeProof(key, { token });
    expect(refusal(await gate.decide('act', dpopFacts(token, proof))).status).toBe(403);
    refuse = false;
    expect((await gate.decide('act', dpopFacts(token, proof))).allow).toBe(true);
  });

  it('nonces: asks with use_dpop_nonce and DPoP-Nonce, accepts the retry, and sends a fresh nonce after rotation', async () => {
    let now = Date.now();
    const gate = testGate(issuer, actions, { dpop: { nonce: { rotate: 60 } }, now: () => now });
    const token = await boundToken();
    const first = refusal(await gate.decide('read', dpopFacts(token, await makeProof(key, { token, now }))));
    expect(first.code).toBe('dpop_nonce_required');
    expect(first.status).toBe(401);
    expect(first.body.error).toBe('use_dpop_nonce');
    const nonce = first.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(first.headers['www-authenticate']).toContain('DPoP realm="test", error="use_dpop_nonce"');
    const retry = await gate.decide('read', dpopFacts(token, await makeProof(key, { token, now, claims: { nonce } })));
    expect(retry.allow).toBe(true);
    expect(retry.allow && retry.headers).toBeUndefined();
    now += 60_000;
    const rotated = await gate.decide(
      'read',
      dpopFacts(token, await makeProof(key, { token, now, claims: { nonce } })),
    );
    if (!rotated.allow) throw new Error(rotated.code);
    expect(rotated.headers?.['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(rotated.headers?.['dpop-nonce']).not.toBe(nonce);
  });

  it('publishes the DPoP algorithms in the RFC 9728 metadata, and dpop_bound_access_tokens_required when DPoP-only', () => {
    expect(testGate(issuer, actions, { dpop: true }).metadata).toMatchObject({
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'PS256', 'RS256'],
    });
    expect(testGate(issuer, actions, { dpop: true }).metadata).not.toHaveProperty('dpop_bound_access_tokens_required');
    expect(testGate(issuer, actions, { dpop: { accept: 'only', algs: ['ES256'] } }).metadata).toMatchObject({
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: true,
    });
    expect(testGate(issuer, bearerOnly).metadata).not.toHaveProperty('dpop_signing_alg_values_supported');
  });

  it("accept: 'only' makes every action DPoP-only", async () => {
    const gate = testGate(issuer, actions, { dpop: { accept: 'only' } });
    const token = await issuer.mint({ scope: 'invoices:read' });
    const refused = refusal(await gate.decide('read', { method: 'GET', path: '/x', authorization: `Bearer ${token}` }));
    expect(refused.code).toBe('dpop_required');
    expect(refused.headers['www-authenticate']).toBe(DPOP);
  });

  it('fails at start-up for requireDpop without dpop, and for bad DPoP options', () => {
    expect(() => testGate(issuer, actions)).toThrow(/actions\.refund\.requireDpop/);
    for (const dpop of [
      { algs: ['HS256'] },
      { algs: ['none'] },
      { algs: [] },
      { accept: 'yes' },
      { nonce: { secret: 'short' } },
      { nonce: { rotate: 0 } },
      { origin: 'ftp://x' },
      { iatWindow: { past: -1 } },
      { unknown: 1 },
      'on',
    ]) {
      expect(() => testGate(issuer, actions, { dpop: dpop as never }), JSON.stringify(dpop)).toThrow(
        ConfigurationError,
      );
    }
    expect(() => defineActions({ a: { scopes: [], requireDpop: 'yes' as never } })).toThrow(/requireDpop/);
  });
});
