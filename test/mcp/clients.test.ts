/**
 * The real MCP SDK clients against the example, with static tokens (no authProvider):
 * v2 `@modelcontextprotocol/client` and v1 `@modelcontextprotocol/sdk`. They connect with the
 * baseline, list the five tools, call the read tools, and surface the refund's 403 without
 * retrying it; a step-up token refunds once.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { insufficientScope, MFA, now, serveForFile } from './support.js';

interface AnyClient {
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

interface Exchange {
  readonly method: string;
  readonly body: string;
  readonly status: number;
  readonly challenge: string | null;
}

const served = serveForFile();
const open: AnyClient[] = [];
afterEach(async () => {
  for (const client of open.splice(0)) await client.close().catch(() => undefined);
});

/** Connects a real client with a static Authorization header and a fetch that records every exchange. */
async function connect(version: 'v1' | 'v2', token: string) {
  const exchanges: Exchange[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    exchanges.push({
      method: init?.method ?? 'GET',
      body: typeof init?.body === 'string' ? init.body : '',
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
    });
    return response;
  };
  const options = { requestInit: { headers: { Authorization: `Bearer ${token}` } }, fetch: recording };
  const url = new URL(served().endpoint);
  let client: AnyClient;
  if (version === 'v2') {
    const c = new ClientV2({ name: 'bb-v2', version: '1.0.0' });
    await c.connect(new TransportV2(url, options));
    client = c as unknown as AnyClient;
  } else {
    const c = new ClientV1({ name: 'bb-v1', version: '1.0.0' });
    await c.connect(new TransportV1(url, options));
    client = c as unknown as AnyClient;
  }
  open.push(client);
  return { client, exchanges };
}

type ToolResult = { structuredContent?: Record<string, unknown>; isError?: boolean };

const isRefund = (exchange: Exchange) =>
  exchange.body.includes('"tools/call"') && exchange.body.includes('"refund_invoice"');

describe.each(['v2', 'v1'] as const)('the %s client with a static token', (version) => {
  it('connects with the baseline, lists five tools, lists and reads invoices', async () => {
    const s = served();
    const { client, exchanges } = await connect(version, await s.token());
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'delete_invoice',
      'export_invoices',
      'get_invoice',
      'list_invoices',
      'refund_invoice',
    ]);
    const list = (await client.callTool({ name: 'list_invoices', arguments: {} })) as ToolResult;
    expect(list.structuredContent?.invoices).toHaveLength(10);
    const one = (await client.callTool({ name: 'get_invoice', arguments: { id: 'inv_1007' } })) as ToolResult;
    expect(one.structuredContent).toMatchObject({ id: 'inv_1007', customer: expect.any(String) });
    // None refused by the guard (a stateless server may answer the client's SSE GET with 405).
    expect(exchanges.filter((e) => e.status === 401 || e.status === 403)).toEqual([]);
  });

  it('surfaces the refund 403 with the baseline token, sends it once, and the invoice stays open', async () => {
    const s = served();
    const { client, exchanges } = await connect(version, await s.token());
    const refused = client.callTool({ name: 'refund_invoice', arguments: { id: 'inv_1001' } });
    if (version === 'v2') await expect(refused).rejects.toThrow('invoices:read payments:refund');
    else await expect(refused).rejects.toThrow(/403|Forbidden|insufficient/i);
    const refunds = exchanges.filter(isRefund);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.status).toBe(403);
    expect(refunds[0]?.challenge).toMatch(insufficientScope(s, 'invoices:read payments:refund'));
    const still = (await client.callTool({ name: 'get_invoice', arguments: { id: 'inv_1001' } })) as ToolResult;
    expect(still.structuredContent).toMatchObject({ id: 'inv_1001', status: 'open' });
  });

  it('refunds once with a step-up token; the second refund is refused, reads still work', async () => {
    const s = served();
    const id = version === 'v2' ? 'inv_1002' : 'inv_1003';
    const token = await s.token({ scope: 'invoices:read payments:refund', acr: MFA, auth_time: now() });
    const { client, exchanges } = await connect(version, token);
    const done = (await client.callTool({ name: 'refund_invoice', arguments: { id } })) as ToolResult;
    expect(done.structuredContent).toMatchObject({ id, status: 'refunded' });
    await expect(client.callTool({ name: 'refund_invoice', arguments: { id: 'inv_1004' } })).rejects.toThrow();
    expect(exchanges.filter(isRefund).map((e) => e.status)).toEqual([200, 403]);
    expect((await client.listTools()).tools).toHaveLength(5);
  });

  it("an unknown tool after the baseline is the SDK's own answer, not a challenge", async () => {
    const s = served();
    const { client, exchanges } = await connect(version, await s.token());
    const outcome = await client.callTool({ name: 'drop_tables', arguments: {} }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    // v2 answers JSON-RPC -32602; a v1 client may turn either into an error or an isError result.
    if ('value' in outcome) expect((outcome.value as ToolResult).isError).toBe(true);
    else expect(String(outcome.error)).toMatch(/drop_tables|not found|-32602/i);
    expect(exchanges.filter((e) => e.status === 401 || e.status === 403)).toEqual([]);
  });
});
