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
  'tools.export': { scopes: ['docs:export'] },
  'tools.approve': { scopes: ['docs:approve'], userAuthentication: { acrValues: ['urn:mfa'], maxAge: 600 } },
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
  return createMcpGuard({
    gate,
    connect: 'connect',
    tools: { refund: 'tools.refund', export: 'tools.export', approve: 'tools.approve' },
  });
}

const METADATA = 'https://mcp.test/.well-known/oauth-protected-resource/mcp';
const ALGS = 'algs="ES256 EdDSA PS256 RS256"';
const callOf = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });

/** A request with `Authorization: DPoP` and a valid proof by the token's key. */
async function viaDpop(token: string, body: unknown = callOf('export')) {
  const dpop = await makeProof(key, { token, htm: 'POST', htu: RESOURCE });
  const decision = await guard().check({ method: 'POST', path: '/mcp', authorization: `DPoP ${token}`, dpop, body });
  if (decision.allow) throw new Error('allowed');
  return decision;
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

// shared/invoice-api.md: "error and its parameters appear only in the challenge of the scheme the
// request used" (RFC 9449 §7.1), whatever refused the request, as core renders for the adapters.
describe('a DPoP request refused for another reason than DPoP: the error sits in the DPoP challenge', () => {
  it('a tool scope missing: 403 insufficient_scope in the DPoP challenge, the Bearer one plain', async () => {
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read', cnf: { jkt: key.jkt } });
    const refused = await viaDpop(token);
    expect(refused.status).toBe(403);
    expect(refused.reason).toBe('scope_missing');
    expect(refused.headers['www-authenticate']).toBe(
      `Bearer realm="docs", resource_metadata="${METADATA}", ` +
        `DPoP realm="docs", error="insufficient_scope", scope="docs:read docs:export", ${ALGS}, resource_metadata="${METADATA}", error_description="The access token lacks the scopes this action requires"`,
    );
    expect(refused.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks the scopes this action requires',
    });
  });

  it('an expired token: 401 invalid_token in the DPoP challenge, naming the baseline there', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.mint(RESOURCE, {
      scope: 'docs:read docs:export',
      cnf: { jkt: key.jkt },
      iat: now - 900,
      exp: now - 600,
    });
    const refused = await viaDpop(token);
    expect(refused.status).toBe(401);
    expect(refused.reason).toBe('token_expired');
    expect(refused.headers['www-authenticate']).toBe(
      `Bearer realm="docs", resource_metadata="${METADATA}", ` +
        `DPoP realm="docs", error="invalid_token", scope="docs:read", ${ALGS}, resource_metadata="${METADATA}", error_description="The access token expired"`,
    );
  });

  it('a step-up (user authentication and scope): 403 in the DPoP challenge, the scope description', async () => {
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read', cnf: { jkt: key.jkt } });
    const refused = await viaDpop(token, callOf('approve'));
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toBe(
      `Bearer realm="docs", resource_metadata="${METADATA}", ` +
        `DPoP realm="docs", error="insufficient_scope", scope="docs:read docs:approve", ${ALGS}, resource_metadata="${METADATA}", error_description="The access token lacks the scopes this action requires"`,
    );
  });

  it('a DPoP-only tool short of its scope offers the DPoP challenge alone (RFC 9449 §7.1)', async () => {
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read', cnf: { jkt: key.jkt } });
    const refused = await viaDpop(token, call);
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toBe(
      `DPoP realm="docs", error="insufficient_scope", scope="docs:read payments:refund", ${ALGS}, resource_metadata="${METADATA}", error_description="The access token lacks the scopes this action requires"`,
    );
  });

  it('the same refusals sent as Bearer keep the error in the Bearer challenge', async () => {
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read' });
    const refused = await guard().check({
      method: 'POST',
      path: '/mcp',
      authorization: `Bearer ${token}`,
      body: callOf('export'),
    });
    if (refused.allow) throw new Error('allowed');
    expect(refused.headers['www-authenticate']).toBe(
      `Bearer realm="docs", error="insufficient_scope", scope="docs:read docs:export", resource_metadata="${METADATA}", error_description="The access token lacks the scopes this action requires", ` +
        `DPoP realm="docs", ${ALGS}, resource_metadata="${METADATA}"`,
    );
  });

  it('a DPoP-only tool called with an expired Bearer token: dpop_required first, as the gate decides it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read payments:refund', iat: now - 900, exp: now - 600 });
    const refused = await guard().check({ method: 'POST', path: '/mcp', authorization: `Bearer ${token}`, body: call });
    if (refused.allow) throw new Error('allowed');
    expect(refused.reason).toBe('dpop_required');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe(`DPoP realm="docs", ${ALGS}, resource_metadata="${METADATA}"`);
  });
});
