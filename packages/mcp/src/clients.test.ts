/**
 * The real MCP SDK clients (v2 `@modelcontextprotocol/client`, v1 `@modelcontextprotocol/sdk`)
 * against real servers behind the guard, with a static Authorization header: what each client
 * sees of every refusal, byte for byte, through a recording `fetch`.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIssuer, type Issuer, type McpFixture, MFA, RM, recordingFetch, startMcp } from '../test/support.js';

interface AnyClient {
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

let issuer: Issuer;
beforeAll(async () => {
  issuer = await createIssuer();
});

async function connect(version: 'v1' | 'v2', url: string, token: string) {
  const recorder = recordingFetch();
  const options = { requestInit: { headers: { Authorization: `Bearer ${token}` } }, fetch: recorder.fetch };
  let client: AnyClient;
  if (version === 'v2') {
    const c = new ClientV2({ name: 'test-v2', version: '1.0.0' });
    await c.connect(new TransportV2(new URL(url), options));
    client = c as unknown as AnyClient;
  } else {
    const c = new ClientV1({ name: 'test-v1', version: '1.0.0' });
    await c.connect(new TransportV1(new URL(url), options));
    client = c as unknown as AnyClient;
  }
  return { client, responses: recorder.responses, requests: recorder.requests };
}

const stepUp = (fx: McpFixture) =>
  fx.mint({ scope: 'invoices:read payments:refund', acr: MFA, auth_time: Math.floor(Date.now() / 1000) });

describe.each([
  ['v2', 'v2'],
  ['v1', 'v1'],
  ['v2', 'v1'],
  ['v1', 'v2'],
  ['v2', 'v2-handler'],
  ['v1', 'v2-handler'],
] as const)('client %s against server %s', (clientVersion, serverVersion) => {
  let fx: McpFixture;
  const open: AnyClient[] = [];
  beforeAll(async () => {
    fx = await startMcp(serverVersion, issuer);
  });
  afterEach(async () => {
    for (const client of open.splice(0)) await client.close().catch(() => undefined);
  });
  afterAll(() => fx.close());

  it('refuses to connect without the baseline, with the 403 the client can act on', async () => {
    const before = fx.seen.transport;
    const recorder = recordingFetch();
    const options = {
      requestInit: { headers: { Authorization: `Bearer ${await fx.mint({ scope: 'payments:refund' })}` } },
      fetch: recorder.fetch,
    };
    const attempt =
      clientVersion === 'v2'
        ? new ClientV2({ name: 't', version: '1' }).connect(new TransportV2(new URL(fx.url), options))
        : new ClientV1({ name: 't', version: '1' }).connect(new TransportV1(new URL(fx.url), options));
    await expect(attempt).rejects.toThrow();
    expect(recorder.responses[0]).toEqual({
      status: 403,
      challenge: `Bearer realm="invoices", error="insufficient_scope", scope="invoices:read", ${RM(fx.origin)}, error_description="The access token lacks the scopes this action requires"`,
    });
    expect(fx.seen.transport).toBe(before);
  });

  it('initializes and lists tools with the baseline', async () => {
    const { client, responses } = await connect(clientVersion, fx.url, await fx.mint());
    open.push(client);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'delete_invoice',
      'export_invoices',
      'get_invoice',
      'list_invoices',
      'refund_invoice',
    ]);
    // None refused by the guard (a stateless server may answer the client's SSE GET with 405).
    expect(responses.filter((r) => r.status === 401 || r.status === 403)).toEqual([]);
  });

  it('gets the exact 403 for a refund with the baseline, and the tool never runs', async () => {
    const { client, responses, requests } = await connect(clientVersion, fx.url, await fx.mint());
    open.push(client);
    const ran = fx.seen.tools.length;
    const refused = client.callTool({ name: 'refund_invoice', arguments: { id: 'inv-1' } });
    // The v2 client reads the challenge itself: an InsufficientScopeError naming the scopes to ask for.
    if (clientVersion === 'v2') await expect(refused).rejects.toThrow('required "invoices:read payments:refund"');
    else await expect(refused).rejects.toThrow();
    expect(responses.at(-1)).toEqual({
      status: 403,
      challenge: `Bearer realm="invoices", error="insufficient_scope", scope="invoices:read payments:refund", ${RM(fx.origin)}, error_description="The access token lacks the scopes this action requires"`,
    });
    expect(fx.seen.tools.length).toBe(ran);
    // Over the 2025 Streamable HTTP transport neither client sends the 2026-07-28 (SEP-2243)
    // headers; the guard reads the tool from the body either way.
    expect(requests.at(-1)).toEqual({ mcpMethod: null, mcpName: null });
  });

  it('refunds once with the step-up token; the same token still lists, a second refund is refused', async () => {
    const { client, responses } = await connect(clientVersion, fx.url, await stepUp(fx));
    open.push(client);
    const result = (await client.callTool({ name: 'refund_invoice', arguments: { id: 'inv-1' } })) as {
      content: { text: string }[];
    };
    expect(JSON.parse(result.content[0]?.text ?? '')).toEqual({ tool: 'refund_invoice', ok: true });
    expect(fx.seen.tools.at(-1)).toEqual({
      tool: 'refund_invoice',
      action: 'invoices.refund',
      clientId: 'mcp-client',
      scopes: ['invoices:read', 'payments:refund'],
    });
    await expect(client.callTool({ name: 'refund_invoice', arguments: { id: 'inv-2' } })).rejects.toThrow();
    expect(responses.at(-1)?.status).toBe(403);
    expect(responses.at(-1)?.challenge).toContain('scope="invoices:read payments:refund"');
    expect((await client.listTools()).tools.length).toBe(5);
  });
});
