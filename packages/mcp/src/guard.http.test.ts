/**
 * The guard in front of real MCP servers (SDK v1 over Express, SDK v2 over plain Node), probed
 * over real HTTP with hand-built requests: the bytes of every refusal, and proof that the MCP
 * server saw nothing it should not have.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuer, type Issuer, type McpFixture, MFA, RM, startMcp } from '../test/support.js';

let issuer: Issuer;
beforeAll(async () => {
  issuer = await createIssuer();
});

const call = (name: string, id = 1, args: Record<string, unknown> = { id: 'inv-1' }) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});
const LIST = { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} };
const STEP_UP = { scope: 'invoices:read payments:refund', acr: MFA, auth_time: () => Math.floor(Date.now() / 1000) };

async function post(fx: McpFixture, body: unknown, options: { token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...options.headers,
  };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(fx.url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, challenge: response.headers.get('www-authenticate'), text, json: safeJson(text) };
}

/** The JSON body, or the first message of an SSE body (`data: {…}`). */
function safeJson(text: string): unknown {
  const data = /^data: (.*)$/m.exec(text);
  try {
    return JSON.parse(data === null ? text : (data[1] as string));
  } catch {
    return undefined;
  }
}

const stepUpToken = (fx: McpFixture, extra: Record<string, unknown> = {}) =>
  fx.mint({ scope: STEP_UP.scope, acr: STEP_UP.acr, auth_time: STEP_UP.auth_time(), ...extra });

describe.each(['v1', 'v2', 'v2-handler'] as const)('MCP SDK %s behind the guard', (sdk) => {
  let fx: McpFixture;
  beforeAll(async () => {
    fx = await startMcp(sdk, issuer);
  });
  afterAll(() => fx.close());

  describe('refusals the MCP server never sees', () => {
    it('answers a request without a token with 401 naming the baseline scope', async () => {
      const before = fx.seen.transport;
      const r = await post(fx, LIST);
      expect(r.status).toBe(401);
      expect(r.challenge).toBe(`Bearer realm="invoices", scope="invoices:read", ${RM(fx.origin)}`);
      expect(r.json).toEqual({ error_description: 'A bearer access token is required' });
      expect(fx.seen.transport).toBe(before);
    });

    it('answers a token for another resource with 401 invalid_token naming the baseline scope', async () => {
      const before = fx.seen.transport;
      const r = await post(fx, LIST, { token: await issuer.mint('https://other.example/mcp') });
      expect(r.status).toBe(401);
      expect(r.challenge).toBe(
        `Bearer realm="invoices", error="invalid_token", scope="invoices:read", ${RM(fx.origin)}, error_description="The access token is not intended for this resource"`,
      );
      expect(fx.seen.transport).toBe(before);
    });

    it('answers a malformed Authorization header with 400 invalid_request', async () => {
      const r = await post(fx, LIST, { headers: { authorization: 'Bearer a b' } });
      expect(r.status).toBe(400);
      expect(r.challenge).toBe(
        `Bearer realm="invoices", error="invalid_request", ${RM(fx.origin)}, error_description="The Authorization header is not valid Bearer credentials"`,
      );
    });

    it('refuses a token in the query string (MCP authorization: header only)', async () => {
      const token = await fx.mint();
      const response = await fetch(`${fx.url}?access_token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify(LIST),
      });
      await response.arrayBuffer();
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
    });

    it('answers a refund with the baseline token with 403 naming the baseline then the action', async () => {
      const before = fx.seen.transport;
      const r = await post(fx, call('refund_invoice'), { token: await fx.mint() });
      expect(r.status).toBe(403);
      expect(r.challenge).toBe(
        `Bearer realm="invoices", error="insufficient_scope", scope="invoices:read payments:refund", ${RM(fx.origin)}, error_description="The access token lacks the scopes this action requires"`,
      );
      expect(r.json).toEqual({
        error: 'insufficient_scope',
        error_description: 'The access token lacks the scopes this action requires',
      });
      expect(fx.seen.transport).toBe(before);
    });

    it('answers a refund scope without the strong authentication with the same 403, not an RFC 9470 401', async () => {
      const r = await post(fx, call('refund_invoice'), {
        token: await fx.mint({ scope: STEP_UP.scope, acr: 'urn:weak', auth_time: STEP_UP.auth_time() }),
      });
      expect(r.status).toBe(403);
      expect(r.challenge).toBe(
        `Bearer realm="invoices", error="insufficient_scope", scope="invoices:read payments:refund", ${RM(fx.origin)}, error_description="This action requires a stronger or more recent user authentication"`,
      );
      const stale = await post(fx, call('refund_invoice'), {
        token: await fx.mint({ scope: STEP_UP.scope, acr: MFA, auth_time: STEP_UP.auth_time() - 601 }),
      });
      expect(stale.status).toBe(403);
      expect(stale.challenge).toContain('scope="invoices:read payments:refund"');
    });

    it('names the first alternative of an any-of action, and says any suffices', async () => {
      const r = await post(fx, call('export_invoices'), { token: await fx.mint() });
      expect(r.status).toBe(403);
      expect(r.challenge).toBe(
        `Bearer realm="invoices", error="insufficient_scope", scope="invoices:read invoices:export", ${RM(fx.origin)}, error_description="The access token lacks the scopes this action requires; any one of these suffices: invoices:export or invoices:admin"`,
      );
    });

    it("answers a tool call short of the baseline with the tool's challenge, not the baseline's alone", async () => {
      // The token holds the tool's scope but not the baseline: one step-up must ask for both.
      const r = await post(fx, call('export_invoices'), { token: await fx.mint({ scope: 'invoices:export' }) });
      expect(r.status).toBe(403);
      expect(r.challenge).toBe(
        `Bearer realm="invoices", error="insufficient_scope", scope="invoices:read invoices:export", ${RM(fx.origin)}, error_description="The access token lacks the scopes this action requires; any one of these suffices: invoices:export or invoices:admin"`,
      );
      // A 401 still names the baseline only, whatever the tool.
      const none = await post(fx, call('export_invoices'));
      expect(none.challenge).toBe(`Bearer realm="invoices", scope="invoices:read", ${RM(fx.origin)}`);
    });

    it('answers a delete with a token older than 300 s with 403 naming every scope', async () => {
      const old = Math.floor(Date.now() / 1000) - 301;
      const r = await post(fx, call('delete_invoice'), {
        token: await fx.mint({ scope: 'invoices:read invoices:write invoices:delete', iat: old }),
      });
      expect(r.status).toBe(403);
      expect(r.challenge).toBe(
        `Bearer realm="invoices", error="insufficient_scope", scope="invoices:read invoices:write invoices:delete", ${RM(fx.origin)}, error_description="The access token is too old for this action; a fresh token is needed"`,
      );
    });

    it('needs the baseline even for a tool whose own action is satisfied', async () => {
      const r = await post(fx, call('refund_invoice'), {
        token: await fx.mint({ scope: 'payments:refund', acr: MFA, auth_time: STEP_UP.auth_time() }),
      });
      expect(r.status).toBe(403);
      // The complete set the call needs, so that one step-up (which replaces the scopes) cures it.
      expect(r.challenge).toContain('scope="invoices:read payments:refund"');
      expect(fx.seen.tools.some((t) => t.tool === 'refund_invoice' && !t.scopes.includes('invoices:read'))).toBe(false);
    });

    it('refuses a JSON-RPC batch as a whole with 400, even with every scope', async () => {
      const before = fx.seen.transport;
      const r = await post(fx, [LIST, call('refund_invoice', 2)], { token: await stepUpToken(fx) });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Invalid Request: JSON-RPC batches are not accepted' },
      });
      expect(fx.seen.transport).toBe(before);
    });

    it('answers a body that is not JSON with 400 -32700 and an oversized one with 413', async () => {
      const before = fx.seen.transport;
      const bad = await post(fx, '{"jsonrpc":', { token: await fx.mint() });
      expect(bad.status).toBe(400);
      expect((bad.json as { error: { code: number } }).error.code).toBe(-32700);
      const big = await post(fx, JSON.stringify({ ...LIST, pad: 'x'.repeat(4 * 1024 * 1024) }), {
        token: await fx.mint(),
      });
      expect(big.status).toBe(413);
      expect(fx.seen.transport).toBe(before);
    });
  });

  describe('standard headers (SEP-2243)', () => {
    it('refuses Mcp-Name naming a cheap tool while the body calls refund: 400 -32020', async () => {
      const before = fx.seen.transport;
      const r = await post(fx, call('refund_invoice', 9), {
        token: await fx.mint(),
        headers: { 'mcp-method': 'tools/call', 'mcp-name': 'list_invoices' },
      });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        jsonrpc: '2.0',
        id: 9,
        error: { code: -32020, message: 'Bad Request: the request headers and body disagree' },
      });
      expect(r.challenge).toBeNull();
      expect(fx.seen.transport).toBe(before);
    });

    it('refuses Mcp-Method that disagrees with the body', async () => {
      const r = await post(fx, call('list_invoices'), {
        token: await fx.mint(),
        headers: { 'mcp-method': 'tools/list' },
      });
      expect(r.status).toBe(400);
      expect((r.json as { error: { code: number } }).error.code).toBe(-32020);
    });

    it('compares a base64 Mcp-Name after decoding, and refuses a bad encoding', async () => {
      const encoded = `=?base64?${Buffer.from('refund_invoice').toString('base64')}?=`;
      const match = await post(fx, call('refund_invoice'), {
        token: await fx.mint(),
        headers: { 'mcp-method': 'tools/call', 'mcp-name': encoded },
      });
      expect(match.status).toBe(403); // the headers agree; the body's tool decides
      const wrong = `=?base64?${Buffer.from('list_invoices').toString('base64')}?=`;
      const mismatch = await post(fx, call('refund_invoice'), {
        token: await fx.mint(),
        headers: { 'mcp-name': wrong },
      });
      expect(mismatch.status).toBe(400);
      const invalid = await post(fx, call('refund_invoice'), {
        token: await fx.mint(),
        headers: { 'mcp-name': '=?base64?@@?=' },
      });
      expect(invalid.status).toBe(400);
    });

    it('checks the headers before the token, and reads the action from the body only', async () => {
      const r = await post(fx, call('refund_invoice'), { headers: { 'mcp-name': 'list_invoices' } });
      expect(r.status).toBe(400);
      const agreeing = await post(fx, call('list_invoices'), {
        token: await fx.mint(),
        headers: { 'mcp-method': 'tools/call', 'mcp-name': 'list_invoices' },
      });
      expect(agreeing.status).toBe(200);
    });
  });

  describe('allowed requests', () => {
    it('lists tools with the baseline', async () => {
      const r = await post(fx, LIST, { token: await fx.mint() });
      expect(r.status).toBe(200);
      const names = (r.json as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
      expect(names).toContain('refund_invoice');
    });

    it('spends a refund grant once; the same token still lists and reads', async () => {
      const token = await stepUpToken(fx);
      const first = await post(fx, call('refund_invoice', 1), { token });
      expect(first.status).toBe(200);
      expect(fx.seen.tools.at(-1)).toMatchObject({
        tool: 'refund_invoice',
        action: 'invoices.refund',
        clientId: 'mcp-client',
      });
      const second = await post(fx, call('refund_invoice', 2), { token });
      expect(second.status).toBe(403);
      expect(second.challenge).toBe(
        `Bearer realm="invoices", error="insufficient_scope", scope="invoices:read payments:refund", ${RM(fx.origin)}, error_description="The access token was already used for this action; a new grant is needed"`,
      );
      expect((await post(fx, LIST, { token })).status).toBe(200);
      expect((await post(fx, call('get_invoice', 3), { token })).status).toBe(200);
      expect(fx.seen.tools.at(-1)).toMatchObject({ tool: 'get_invoice', action: 'invoices.read' });
    });

    it('lets an undeclared tool through with the baseline so the SDK answers it', async () => {
      const r = await post(fx, call('no_such_tool'), { token: await fx.mint() });
      expect(r.status).toBe(200);
      const json = r.json as { error?: { code: number }; result?: { isError?: boolean } };
      if (sdk !== 'v1') expect(json.error?.code).toBe(-32602);
      else expect(json.result?.isError).toBe(true);
    });
  });

  describe('SSE GET and DELETE', () => {
    it('refuses a GET without a token before any stream opens', async () => {
      const before = fx.seen.transport;
      const response = await fetch(fx.url, { headers: { accept: 'text/event-stream' } });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer realm="invoices", scope="invoices:read", ${RM(fx.origin)}`,
      );
      await response.arrayBuffer();
      const del = await fetch(fx.url, { method: 'DELETE' });
      await del.arrayBuffer();
      expect(del.status).toBe(401);
      expect(fx.seen.transport).toBe(before);
    });

    it('refuses a GET whose token lacks the baseline with 403', async () => {
      const before = fx.seen.transport;
      const response = await fetch(fx.url, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${await fx.mint({ scope: 'payments:refund' })}`,
        },
      });
      await response.arrayBuffer();
      expect(response.status).toBe(403);
      expect(response.headers.get('www-authenticate')).toContain('scope="invoices:read"');
      expect(fx.seen.transport).toBe(before);
    });

    it('hands an allowed GET to the MCP server', async () => {
      const before = fx.seen.transport;
      const controller = new AbortController();
      const response = await fetch(fx.url, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${await fx.mint()}` },
        signal: controller.signal,
      });
      expect(response.status).not.toBe(401);
      expect(response.status).not.toBe(403);
      controller.abort();
      expect(fx.seen.transport).toBe(before + 1);
    });
  });

  describe('RFC 9728 metadata', () => {
    it.each(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'])(
      'serves the document at %s with the baseline as scopes_supported',
      async (path) => {
        const response = await fetch(fx.origin + path);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          resource: fx.resource,
          authorization_servers: ['https://as.test'],
          scopes_supported: ['invoices:read'],
          bearer_methods_supported: ['header'],
        });
      },
    );
  });
});
