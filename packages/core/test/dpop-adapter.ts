/**
 * Test support: what every adapter must do with DPoP, through a real server: pass every `DPoP`
 * field to the gate, and write every header a decision carries, on a refusal (`DPoP-Nonce` with
 * `use_dpop_nonce`) and on an allowed request (a rotated nonce, RFC 9449 §9).
 */
import type { RequestListener } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGate, defineActions, type Gate } from '../src/index.js';
import { createProofKey, makeProof, type ProofKey } from './dpop.js';
import { sendRaw } from './http.js';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from './tokens.js';

export const dpopActions = defineActions({ read: { scopes: ['invoices:read'] } });

/** `listen(gate)` mounts `requireAction('read')` on `GET /invoices`, answering 200 `{"ok":true}`. */
export function dpopAdapterSuite(listen: (gate: Gate<'read'>) => RequestListener): void {
  describe('DPoP through the adapter', () => {
    let issuer: TestIssuer;
    let key: ProofKey;
    let now = Date.now();
    let listener: RequestListener;
    beforeAll(async () => {
      issuer = await createTestIssuer();
      key = await createProofKey();
      const gate = createGate({
        actions: dpopActions,
        resource: RESOURCE,
        issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
        dpop: { nonce: { rotate: 60 } },
        now: () => now,
      });
      listener = listen(gate);
    });

    const proof = (token: string, nonce?: string) =>
      makeProof(key, {
        token,
        htm: 'GET',
        htu: `${RESOURCE}/invoices`,
        now,
        claims: nonce === undefined ? {} : { nonce },
      });

    it('writes DPoP-Nonce on use_dpop_nonce and on an allowed request after rotation', async () => {
      const token = await issuer.mint({ scope: 'invoices:read', cnf: { jkt: key.jkt } });
      const send = async (nonce?: string) =>
        sendRaw(listener, 'GET', '/invoices', [
          ['authorization', `DPoP ${token}`],
          ['dpop', await proof(token, nonce)],
        ]);
      const first = await send();
      expect(first.status).toBe(401);
      expect(JSON.parse(first.body)).toMatchObject({ error: 'use_dpop_nonce' });
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      const retry = await send(nonce);
      expect(retry.status).toBe(200);
      expect(retry.headers['dpop-nonce']).toBeUndefined();
      now += 60_000;
      const rotated = await send(nonce);
      expect(rotated.status).toBe(200);
      expect(rotated.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(rotated.headers['dpop-nonce']).not.toBe(nonce);
    });

    it('passes every DPoP field: two are refused with invalid_dpop_proof', async () => {
      const token = await issuer.mint({ scope: 'invoices:read', cnf: { jkt: key.jkt } });
      const one = await proof(token);
      const reply = await sendRaw(listener, 'GET', '/invoices', [
        ['authorization', `DPoP ${token}`],
        ['dpop', one],
        ['DPoP', one],
      ]);
      expect(reply.status).toBe(401);
      expect(JSON.parse(reply.body)).toMatchObject({ error: 'invalid_dpop_proof' });
      expect(reply.headers['www-authenticate']).toContain('DPoP error="invalid_dpop_proof"');
    });
  });
}
