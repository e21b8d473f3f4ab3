/**
 * DPoP through the MCP guard: a tool call is two gate decisions for one request (the baseline,
 * then the tool's action), and its one proof must pass both, once; the same proof on another
 * request is a replay.
 */
import { createGate, defineActions } from '@actiongate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createProofKey, makeProof, type ProofKey } from '../../core/test/dpop.js';
import { createIssuer, ISSUER, type Issuer } from '../test/support.js';
import { createMcpGuard } from './guard.js';

const RESOURCE = 'https://mcp.test/mcp';
const actions = defineActions({
  connect: { scopes: ['docs:read'] },
  'tools.refund': { scopes: ['payments:refund'], requireDpop: true },
});

let issuer: Issuer;
let key: ProofKey;
beforeAll(async () => {
  issuer = await createIssuer();
  key = await createProofKey();
});

function guard() {
  const gate = createGate({
    actions,
    resource: RESOURCE,
    realm: 'docs',
    issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
    dpop: true,
  });
  return createMcpGuard({ gate, connect: 'connect', tools: { refund: 'tools.refund' } });
}

const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'refund', arguments: {} } };

describe('the MCP guard with DPoP', () => {
  it('allows a tool call with one proof across both decisions, and refuses that proof again', async () => {
    const mcp = guard();
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read payments:refund', cnf: { jkt: key.jkt } });
    const proof = await makeProof(key, { token, htm: 'POST', htu: RESOURCE });
    const request = { method: 'POST', path: '/mcp', authorization: `DPoP ${token}`, dpop: proof, body: call };
    const first = await mcp.check(request);
    expect(first.allow && first.action).toBe('tools.refund');
    const again = await mcp.check({ ...request });
    expect(again.allow).toBe(false);
    expect(!again.allow && again.reason).toBe('dpop_proof_replayed');
  });

  it('keeps use_dpop_nonce as the gate gave it: DPoP-Nonce and the error in the DPoP challenge', async () => {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      realm: 'docs',
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      dpop: { nonce: true },
    });
    const mcp = createMcpGuard({ gate, connect: 'connect', tools: { refund: 'tools.refund' } });
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read payments:refund', cnf: { jkt: key.jkt } });
    const dpop = await makeProof(key, { token, htm: 'POST', htu: RESOURCE });
    const refused = await mcp.check({ method: 'POST', path: '/mcp', authorization: `DPoP ${token}`, dpop, body: call });
    if (refused.allow) throw new Error('allowed');
    expect(refused.status).toBe(401);
    expect(refused.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(refused.headers['www-authenticate']).toContain('DPoP realm="docs", error="use_dpop_nonce"');
  });

  it('refuses a tool call that requires DPoP when sent as Bearer', async () => {
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read payments:refund' });
    const refused = await guard().check({ method: 'POST', path: '/mcp', authorization: `Bearer ${token}`, body: call });
    expect(refused.allow).toBe(false);
    expect(!refused.allow && refused.reason).toBe('dpop_required');
    expect(!refused.allow && refused.status).toBe(401);
  });
});
