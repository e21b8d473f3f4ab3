/**
 * The v2 SDK's native per-tool hook (`registerTool(…, { scopeChallenge })`) as a second line:
 * a server wired without the guard in front still refuses a tool call the guard did not allow.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGate } from '@actiongate/core';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { expect, it } from 'vitest';
import { actions, ISSUER, type Seen, TOOLS, v2Server } from '../test/support.js';
import { createMcpGuard } from './guard.js';
import type { GuardedRequest } from './node.js';

it('refuses, through the SDK, a tool call that reaches the server without the guard allowing it', async () => {
  const seen: Seen = { transport: 0, tools: [] };
  const gate = createGate({
    actions,
    resource: 'http://127.0.0.1/mcp',
    issuers: [{ issuer: ISSUER, jwks: { keys: [] } as never }],
  });
  const guard = createMcpGuard({ gate, connect: 'mcp.connect', tools: TOOLS });
  // A mis-wired route: authenticated for the baseline only (as if another middleware did it).
  const server = createServer(async (req, res) => {
    (req as GuardedRequest).auth = {
      token: 't',
      clientId: 'c',
      scopes: ['invoices:read'],
      expiresAt: Math.floor(Date.now() / 1000) + 60,
      resource: new URL('http://127.0.0.1/mcp'),
      extra: { actiongate: { action: 'mcp.connect' } as never },
    };
    const mcp = v2Server(seen, guard);
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'refund_invoice', arguments: {} },
      }),
    });
    await response.arrayBuffer();
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('scope="invoices:read payments:refund"');
    expect(seen.tools).toEqual([]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
