/**
 * The protocol checks of shared/mcp-invoices.md that come before, or instead of, authorization:
 * JSON-RPC batches, the `Mcp-Method` / `Mcp-Name` headers against the body, bodies that are not
 * JSON or too large, and the SSE `GET` that must not open a stream for a refused request.
 */
import { describe, expect, it } from 'vitest';
import {
  answer,
  baselineChallenge,
  call,
  initialize,
  MFA,
  mcpHeaders,
  now,
  post,
  rawPost,
  resultOf,
  rpc,
  type Served,
  serveForFile,
} from './support.js';

const served = serveForFile();

const everything = (s: Served) =>
  s.token({
    scope: 'invoices:read invoices:export invoices:write invoices:delete payments:refund',
    acr: MFA,
    auth_time: now(),
  });

const b64 = (text: string) => `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;

function expectJsonRpcError(reply: { json: unknown }, code: number) {
  const body = reply.json as { jsonrpc?: string; error?: { code?: number; message?: unknown } };
  expect(body.jsonrpc).toBe('2.0');
  expect(body.error?.code).toBe(code);
  expect(typeof body.error?.message).toBe('string');
}

async function expectStillOpen(s: Served, id: string) {
  const reply = await post(s, call('get_invoice', { id }), await s.token());
  expect(resultOf(reply).structuredContent).toMatchObject({ id, status: 'open' });
}

describe('JSON-RPC batches: 400 -32600 before any authorization', () => {
  it.each([
    ['with every scope', true],
    ['without a token', false],
  ])('a batch with a refund, %s, is refused and nothing runs', async (_, withToken) => {
    const s = served();
    const body = JSON.stringify([
      JSON.parse(call('refund_invoice', { id: 'inv_1001' }, 1)),
      JSON.parse(call('list_invoices', {}, 2)),
    ]);
    const reply = await post(s, body, withToken ? await everything(s) : undefined);
    expect(reply.status).toBe(400);
    expect(reply.challenge).toBeNull();
    expectJsonRpcError(reply, -32600);
    await expectStillOpen(s, 'inv_1001');
  });

  it.each([
    ['one ping', [JSON.parse(rpc('ping', undefined, 1))]],
    ['two cheap members', [JSON.parse(rpc('ping', undefined, 1)), JSON.parse(rpc('tools/list', {}, 2))]],
    ['an empty array', []],
  ])('a batch of %s with the baseline is refused too', async (_, members) => {
    const s = served();
    const reply = await post(s, JSON.stringify(members), await s.token());
    expect(reply.status).toBe(400);
    expectJsonRpcError(reply, -32600);
  });
});

describe('Mcp-Method / Mcp-Name must equal the body: 400 -32020', () => {
  const refund = call('refund_invoice', { id: 'inv_1002' });

  it.each([
    ['Mcp-Method differs', { 'mcp-method': 'tools/list' }],
    ['Mcp-Name names a cheap tool', { 'mcp-method': 'tools/call', 'mcp-name': 'list_invoices' }],
    ['Mcp-Name alone names a cheap tool', { 'mcp-name': 'get_invoice' }],
    ['Mcp-Name encoded, and different after decoding', { 'mcp-name': b64('list_invoices') }],
    ['Mcp-Name encoded, not canonical base64', { 'mcp-name': '=?base64?cmVmdW5kX2ludm9pY2U?=' }],
    ['on a 2026-07-28 request', { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'ping' }],
  ])('%s: refused, even with every scope, and the refund never runs', async (_, extra) => {
    const s = served();
    const reply = await post(s, refund, await everything(s), extra);
    expect(reply.status).toBe(400);
    expect(reply.challenge).toBeNull();
    expectJsonRpcError(reply, -32020);
    expect((reply.json as { id: unknown }).id).toBe(1);
    await expectStillOpen(s, 'inv_1002');
  });

  it('the action comes from the body: a cheap Mcp-Name over an expensive body is 400, never allowed', async () => {
    const s = served();
    const reply = await post(s, refund, await s.token(), { 'mcp-method': 'tools/call', 'mcp-name': 'list_invoices' });
    expect(reply.status).toBe(400);
    expectJsonRpcError(reply, -32020);
    // Agreeing headers do not lower the price either: the body's refund still needs its scopes.
    const agreed = await post(s, refund, await s.token(), { 'mcp-method': 'tools/call', 'mcp-name': 'refund_invoice' });
    expect(agreed.status).toBe(403);
    await expectStillOpen(s, 'inv_1002');
  });

  it('headers that agree (plain, or encoded and equal after decoding) are allowed', async () => {
    const s = served();
    const plain = await post(s, call('get_invoice', { id: 'inv_1005' }), await s.token(), {
      'mcp-method': 'tools/call',
      'mcp-name': 'get_invoice',
    });
    expect(resultOf(plain).structuredContent).toMatchObject({ id: 'inv_1005' });
    const encoded = await post(s, call('refund_invoice', { id: 'inv_1008' }), await everything(s), {
      'mcp-method': 'tools/call',
      'mcp-name': b64('refund_invoice'),
    });
    expect(encoded.status).toBe(200);
    expect(resultOf(encoded).structuredContent).toMatchObject({ id: 'inv_1008', status: 'refunded' });
    const method = await post(s, rpc('tools/list', {}), await s.token(), { 'mcp-method': 'tools/list' });
    expect(method.status).toBe(200);
  });

  it('an Mcp-Name on a method that names nothing is a mismatch', async () => {
    const s = served();
    const reply = await post(s, rpc('tools/list', {}), await s.token(), { 'mcp-name': 'list_invoices' });
    expect(reply.status).toBe(400);
    expectJsonRpcError(reply, -32020);
  });

  it('on a 2026-07-28 request, agreeing headers pass the guard (whatever the SDK then answers)', async () => {
    const s = served();
    const reply = await post(s, call('get_invoice', { id: 'inv_1005' }), await s.token(), {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': b64('get_invoice'),
    });
    expect(reply.challenge).toBeNull();
    expect([401, 403]).not.toContain(reply.status);
    expect((reply.json as { error?: { code?: number } } | undefined)?.error?.code).not.toBe(-32020);
  });

  it('a repeated Mcp-Name is a mismatch', async () => {
    const s = served();
    const reply = await rawPost(s, call('list_invoices'), [
      ['Authorization', `Bearer ${await s.token()}`],
      ['Mcp-Protocol-Version', '2025-11-25'],
      ['Mcp-Name', 'list_invoices'],
      ['Mcp-Name', 'refund_invoice'],
    ]);
    expect(reply.status).toBe(400);
    expect((JSON.parse(reply.body) as { error: { code: number } }).error.code).toBe(-32020);
  });
});

describe('bodies', () => {
  it('a body that is not JSON: 400 with a JSON-RPC parse error, before authorization', async () => {
    const s = served();
    for (const token of [undefined, await s.token()]) {
      const reply = await post(s, '{"jsonrpc":"2.0","id":1,"method":', token);
      expect(reply.status).toBe(400);
      expectJsonRpcError(reply, -32700);
    }
  });

  it('a body over the limit (4 MiB): 413, and the server keeps serving', async () => {
    const s = served();
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5 * 1024 * 1024) } });
    const reply = await post(s, big, await s.token());
    expect(reply.status).toBe(413);
    expect(reply.challenge).toBeNull();
    const after = await post(s, rpc('ping'), await s.token());
    expect(after.status).toBe(200);
  });

  it('a chunked body without a length over the limit: 413', async () => {
    const s = served();
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Bounded: 6 MiB at most, a JSON string that never closes.
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"ping","p":"'));
        if (sent >= 96) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(s.endpoint, {
      method: 'POST',
      headers: mcpHeaders(await s.token()),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    await response.body?.cancel();
  });
});

describe('the guard and the MCP server read the same body', () => {
  it.each([
    ['a duplicate name key (the last wins, for both)', '{"name":"list_invoices","name":"refund_invoice"'],
    ['an escaped name', '{"name":"refund\\u005finvoice"'],
  ])('%s: the refund is priced as a refund', async (_, params) => {
    const s = served();
    const body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":${params},"arguments":{"id":"inv_1009"}}}`;
    const reply = await post(s, body, await s.token());
    expect(reply.status).toBe(403);
    expect(reply.challenge).toContain('scope="invoices:read payments:refund"');
    await expectStillOpen(s, 'inv_1009');
  });
});

it('a tools/call sent as a notification (no id) is priced as the tool: a refund needs its scopes', async () => {
  const s = served();
  const body = JSON.stringify({
    jsonrpc: '2.0',
    method: 'tools/call',
    params: { name: 'refund_invoice', arguments: { id: 'inv_1009' } },
  });
  const reply = await post(s, body, await s.token());
  expect(reply.status).toBe(403);
  expect(reply.challenge).toContain('scope="invoices:read payments:refund"');
  await expectStillOpen(s, 'inv_1009');
});

describe('GET /mcp (SSE)', () => {
  it('without a token: 401, JSON, and the response ends (no stream)', async () => {
    const s = served();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 5000);
    const response = await fetch(s.endpoint, {
      headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      signal: abort.signal,
    });
    const reply = await answer(response); // resolves only when the body ends
    clearTimeout(timer);
    expect(reply.status).toBe(401);
    expect(reply.challenge).toBe(baselineChallenge(s));
    expect(reply.contentType).not.toMatch(/event-stream/);
    expect(reply.json).toMatchObject({ error_description: expect.any(String) });
  });

  it('with the token in the query: 400 invalid_request and no stream', async () => {
    const s = served();
    const response = await fetch(`${s.endpoint}?access_token=${await s.token()}`, {
      headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      signal: AbortSignal.timeout(5000),
    });
    const reply = await answer(response);
    expect(reply.status).toBe(400);
    expect(reply.challenge).toContain('error="invalid_request"');
    expect(reply.contentType).not.toMatch(/event-stream/);
  });

  it('with an invalid token: 401 invalid_token and no stream', async () => {
    const s = served();
    const response = await fetch(s.endpoint, {
      headers: { ...mcpHeaders(await s.token({ exp: now() - 300 })), accept: 'text/event-stream' },
      signal: AbortSignal.timeout(5000),
    });
    const reply = await answer(response);
    expect(reply.status).toBe(401);
    expect(reply.challenge).toContain('error="invalid_token"');
    expect(reply.contentType).not.toMatch(/event-stream/);
  });
});

it('initialize with the baseline answers as an MCP server', async () => {
  const s = served();
  const reply = await post(s, initialize(), await s.token());
  expect(reply.status).toBe(200);
  expect((reply.json as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe(
    'actiongate-invoices',
  );
});
