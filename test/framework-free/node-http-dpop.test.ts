/**
 * The framework-free example with a DPoP gate (RFC 9449): it passes every `DPoP` field to the
 * gate, and writes every header a decision carries, on a refusal (`DPoP-Nonce` with
 * `use_dpop_nonce`) and on an allowed request (a rotated nonce, §9).
 */
import { createGate, defineActions } from '@actiongate/core';
import { createListener, type InvoiceActions } from '@actiongate-examples/node-http';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProofKey, makeProof, type ProofKey } from '../../packages/core/test/dpop.js';
import { sendRaw } from '../../packages/core/test/http.js';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../packages/core/test/tokens.js';

const actions = defineActions({
  'invoices.list': { scopes: ['invoices:read'] },
  'invoices.refund': { scopes: ['payments:refund'], requireDpop: true },
});

let issuer: TestIssuer;
let key: ProofKey;
let now = Date.now();
let listener: ReturnType<typeof createListener>;
beforeAll(async () => {
  issuer = await createTestIssuer();
  key = await createProofKey();
  const gate = createGate<InvoiceActions>({
    actions,
    resource: RESOURCE,
    realm: 'invoices',
    issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    dpop: { nonce: { rotate: 60 } },
    now: () => now,
  });
  listener = createListener(gate);
});

describe('node:http example with DPoP', () => {
  it('nonce flow: DPoP-Nonce on use_dpop_nonce, then 200, then a fresh nonce on the 200 after rotation', async () => {
    const token = await issuer.mint({ scope: 'invoices:read', cnf: { jkt: key.jkt } });
    const send = async (nonce?: string) =>
      sendRaw(listener, 'GET', '/invoices', [
        ['authorization', `DPoP ${token}`],
        [
          'dpop',
          await makeProof(key, {
            token,
            htm: 'GET',
            htu: `${RESOURCE}/invoices`,
            now,
            claims: nonce === undefined ? {} : { nonce },
          }),
        ],
      ]);
    const first = await send();
    expect(first.status).toBe(401);
    const nonce = first.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const ok = await send(nonce);
    expect(ok.status).toBe(200);
    expect(ok.headers['dpop-nonce']).toBeUndefined();
    now += 60_000;
    const rotated = await send(nonce);
    expect(rotated.status).toBe(200);
    expect(rotated.headers['dpop-nonce']).not.toBe(nonce);
    expect(rotated.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  });

  it('a refund with a Bearer token: 401 with only the DPoP challenge', async () => {
    const token = await issuer.mint({ scope: 'payments:refund' });
    const reply = await sendRaw(listener, 'POST', '/invoices/inv_1/refund', [['authorization', `Bearer ${token}`]]);
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe(
      `DPoP realm="invoices", algs="ES256 EdDSA PS256 RS256", resource_metadata="${RESOURCE}/.well-known/oauth-protected-resource"`,
    );
  });
});
