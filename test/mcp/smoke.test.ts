/**
 * The MCP example started as `pnpm start` would, with an issuer of the test's own: the guarded
 * endpoint, the metadata at both paths, and a refund grant spent once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExample, startExample } from '../blackbox/support/example.js';
import { type JwksServer, startJwksServer } from '../blackbox/support/jwks-server.js';
import { createKeys, ISSUER, MFA, mint, type TestKeys } from '../blackbox/support/keys.js';

let keys: TestKeys;
let jwks: JwksServer;
let example: RunningExample;
let audience: string;

const rpc = (method: string, params: unknown, id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method, params });
const headers = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
});

beforeAll(async () => {
  keys = await createKeys();
  jwks = await startJwksServer(keys.jwks);
  example = await startExample('mcp-invoices', { ISSUER, JWKS_URI: jwks.url });
  audience = `${example.url}/mcp`;
});
afterAll(async () => {
  await example?.stop();
  await jwks?.close();
});

describe('mcp-invoices with an external issuer', () => {
  it('serves the metadata at the path-inserted URL and the root', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${example.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: audience,
        authorization_servers: [ISSUER],
        scopes_supported: ['invoices:read'],
        bearer_methods_supported: ['header'],
      });
    }
  });

  it('refuses a tools/call without a token with the baseline challenge', async () => {
    const response = await fetch(`${example.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: rpc('tools/call', { name: 'list_invoices', arguments: {} }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="invoices", scope="invoices:read", resource_metadata="${example.url}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it('spends a refund grant once and keeps the token good for reads', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mint(keys, audience, {
      claims: { scope: 'invoices:read payments:refund', acr: MFA, auth_time: now },
    });
    const call = (name: string, args: Record<string, unknown>) =>
      fetch(`${example.url}/mcp`, {
        method: 'POST',
        headers: headers(token),
        body: rpc('tools/call', { name, arguments: args }),
      });
    const first = await call('refund_invoice', { id: 'inv_1001' });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('refunded');
    const second = await call('refund_invoice', { id: 'inv_1002' });
    expect(second.status).toBe(403);
    expect(second.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="invoices", error="insufficient_scope", scope="invoices:read payments:refund", resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp", error_description="[^"]+"$/,
    );
    const read = await call('get_invoice', { id: 'inv_1002' });
    expect(read.status).toBe(200);
    expect(await read.text()).toContain('inv_1002');
  });
});
