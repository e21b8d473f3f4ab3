import { createGate } from '@actiongate/core';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createProofKey, makeProof } from '../../core/test/dpop.js';
import { dpopActions, dpopAdapterSuite } from '../../core/test/dpop-adapter.js';
import { createTestIssuer, ISSUER, RESOURCE } from '../../core/test/tokens.js';
import { actiongate } from './index.js';

// DPoP through the adapter on a real Node server (@hono/node-server builds the Web Request):
// every DPoP field reaches the gate, and DPoP-Nonce is written on refusals and allowed answers.
dpopAdapterSuite((gate) => {
  const app = new Hono();
  app.get('/invoices', actiongate(gate).requireAction('read'), (c) => c.json({ ok: true }));
  return getRequestListener(app.fetch);
});

describe('DPoP through app.request (Headers only, as on Bun, Deno and Workers)', () => {
  it('two DPoP proofs joined by Headers are refused as invalid_dpop_proof; one is allowed', async () => {
    const issuer = await createTestIssuer();
    const key = await createProofKey();
    const gate = createGate({
      actions: dpopActions,
      resource: RESOURCE,
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      dpop: {},
    });
    const app = new Hono().get('/invoices', actiongate(gate).requireAction('read'), (c) => c.json({ ok: true }));
    const token = await issuer.mint({ scope: 'invoices:read', cnf: { jkt: key.jkt } });
    const proof = () => makeProof(key, { token, htm: 'GET', htu: `${RESOURCE}/invoices` });
    const headers = new Headers({ authorization: `DPoP ${token}` });
    headers.append('dpop', await proof());
    headers.append('DPoP', await proof());
    const twice = await app.request(`${RESOURCE}/invoices`, { headers });
    expect(twice.status).toBe(401);
    expect(twice.headers.get('www-authenticate')).toContain('DPoP error="invalid_dpop_proof"');
    const once = await app.request(`${RESOURCE}/invoices`, {
      headers: { authorization: `DPoP ${token}`, dpop: await proof() },
    });
    expect(once.status).toBe(200);
  });
});
