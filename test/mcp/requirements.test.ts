/**
 * shared/mcp-invoices.md, "What each request needs": the baseline for every request, and each
 * tool's requirement on top of it, with tokens just short of it (403 insufficient_scope naming the
 * baseline then the tool's scopes, never RFC 9470's 401) and just meeting it.
 */
import { describe, expect, it } from 'vitest';
import {
  baselineChallenge,
  call,
  initialize,
  insufficientScope,
  MFA,
  mcpHeaders,
  notification,
  now,
  post,
  resultOf,
  rpc,
  type Served,
  serveForFile,
} from './support.js';

const served = serveForFile();

/** What the guard let through: the SDK answered, whatever it answered. */
function expectPastTheGuard(reply: { status: number; challenge: string | null }) {
  expect(reply.status).not.toBe(401);
  expect(reply.status).not.toBe(403);
  expect(reply.challenge).toBeNull();
}

/** GET and DELETE /mcp; a stream (if the SDK opens one) is cancelled once the head is read. */
async function verb(s: Served, method: 'GET' | 'DELETE', token?: string) {
  const abort = new AbortController();
  const response = await fetch(s.endpoint, { method, headers: mcpHeaders(token), signal: abort.signal });
  const head = { status: response.status, challenge: response.headers.get('www-authenticate') };
  abort.abort();
  await response.body?.cancel().catch(() => undefined);
  return head;
}

describe('every request that is not a tools/call needs the baseline only (mcp.connect)', () => {
  const methods: [string, string][] = [
    ['initialize', initialize()],
    ['ping', rpc('ping')],
    ['tools/list', rpc('tools/list', {})],
    ['server/discover', rpc('server/discover', {})],
    ['resources/list', rpc('resources/list', {})],
  ];

  it.each(methods)('%s: allowed with invoices:read; 403 scope="invoices:read" without it', async (_, body) => {
    const s = served();
    expectPastTheGuard(await post(s, body, await s.token()));
    const short = await post(s, body, await s.token({ scope: 'invoices:export payments:refund' }));
    expect(short.status).toBe(403);
    expect(short.challenge).toMatch(insufficientScope(s, 'invoices:read'));
    expect(short.challenge).not.toContain('insufficient_user_authentication');
  });

  it('tools/list with the baseline lists the five tools', async () => {
    const s = served();
    const reply = await post(s, rpc('tools/list', {}), await s.token());
    expect(reply.status).toBe(200);
    const tools = (reply.json as { result: { tools: { name: string }[] } }).result.tools.map((tool) => tool.name);
    expect(tools.sort()).toEqual([
      'delete_invoice',
      'export_invoices',
      'get_invoice',
      'list_invoices',
      'refund_invoice',
    ]);
  });

  it('notifications/initialized: 202 with the baseline, 401 without a token', async () => {
    const s = served();
    const allowed = await post(s, notification('notifications/initialized'), await s.token());
    expect(allowed.status).toBe(202);
    const refused = await post(s, notification('notifications/initialized'));
    expect(refused.status).toBe(401);
    expect(refused.challenge).toBe(baselineChallenge(s));
  });

  it('GET and DELETE /mcp: past the guard with the baseline, refused without it', async () => {
    const s = served();
    const token = await s.token();
    const short = await s.token({ scope: 'payments:refund' });
    for (const method of ['GET', 'DELETE'] as const) {
      expectPastTheGuard(await verb(s, method, token));
      const refused = await verb(s, method, short);
      expect(refused.status).toBe(403);
      expect(refused.challenge).toMatch(insufficientScope(s, 'invoices:read'));
    }
  });
});

describe('list_invoices and get_invoice: invoices:read', () => {
  it('allowed with the baseline; 403 naming the baseline without it', async () => {
    const s = served();
    const list = await post(s, call('list_invoices'), await s.token());
    expect(list.status).toBe(200);
    expect(resultOf(list).structuredContent?.invoices).toHaveLength(10);
    const one = await post(s, call('get_invoice', { id: 'inv_1005' }), await s.token());
    expect(resultOf(one).structuredContent).toMatchObject({ id: 'inv_1005', status: 'open' });
    const short = await post(s, call('get_invoice', { id: 'inv_1005' }), await s.token({ scope: 'invoices:admin' }));
    expect(short.status).toBe(403);
    expect(short.challenge).toMatch(insufficientScope(s, 'invoices:read'));
  });
});

describe('export_invoices: any of invoices:export, invoices:admin', () => {
  it('403 naming the baseline and the first alternative when neither is held', async () => {
    const s = served();
    for (const scope of ['invoices:read', 'invoices:read invoices:write invoices:delete payments:refund']) {
      const reply = await post(s, call('export_invoices'), await s.token({ scope }));
      expect(reply.status).toBe(403);
      expect(reply.challenge).toMatch(insufficientScope(s, 'invoices:read invoices:export'));
      expect(reply.json).toMatchObject({ error: 'insufficient_scope' });
    }
  });

  it('the tool scope without the baseline still names both', async () => {
    const s = served();
    const reply = await post(s, call('export_invoices'), await s.token({ scope: 'invoices:export' }));
    expect(reply.status).toBe(403);
    expect(reply.challenge).toMatch(insufficientScope(s, 'invoices:read invoices:export'));
  });

  it.each(['invoices:export', 'invoices:admin'])('allowed with invoices:read %s', async (scope) => {
    const s = served();
    const reply = await post(s, call('export_invoices'), await s.token({ scope: `invoices:read ${scope}` }));
    expect(reply.status).toBe(200);
    expect(String(resultOf(reply).structuredContent?.export_id)).toMatch(/^exp_/);
  });
});

describe('delete_invoice: invoices:write and invoices:delete, iat at most 300 s old', () => {
  const scope = 'invoices:read invoices:write invoices:delete';
  const needed = 'invoices:read invoices:write invoices:delete';

  it.each([
    ['only invoices:write', { scope: 'invoices:read invoices:write' }],
    ['only invoices:delete', { scope: 'invoices:read invoices:delete' }],
    ['both, iat 301 s old', { scope, iat: now() - 301 }],
    ['both, iat 1000 s old', { scope, iat: now() - 1000 }],
  ])('%s: 403 naming every scope', async (_, claims) => {
    const s = served();
    const reply = await post(s, call('delete_invoice', { id: 'inv_1009' }), await s.token(claims));
    expect(reply.status).toBe(403);
    expect(reply.challenge).toMatch(insufficientScope(s, needed));
    // Nothing ran: the invoice is still there.
    const still = await post(s, call('get_invoice', { id: 'inv_1009' }), await s.token());
    expect(resultOf(still).structuredContent).toMatchObject({ id: 'inv_1009' });
  });

  it('both scopes and iat 295 s old: deleted', async () => {
    const s = served();
    const reply = await post(s, call('delete_invoice', { id: 'inv_1010' }), await s.token({ scope, iat: now() - 295 }));
    expect(reply.status).toBe(200);
    expect(resultOf(reply).structuredContent).toEqual({ id: 'inv_1010', deleted: true });
    const gone = await post(s, call('get_invoice', { id: 'inv_1010' }), await s.token());
    expect(resultOf(gone).isError).toBe(true);
  });
});

describe('refund_invoice: payments:refund, acr mfa, auth_time at most 600 s old (the default)', () => {
  const needed = 'invoices:read payments:refund';
  const fresh = () => ({ scope: 'invoices:read payments:refund', acr: MFA, auth_time: now() });

  it.each([
    ['without payments:refund', () => ({ ...fresh(), scope: 'invoices:read' })],
    ['without acr', () => ({ ...fresh(), acr: undefined })],
    ['with another acr', () => ({ ...fresh(), acr: 'urn:actiongate:password' })],
    ['without auth_time', () => ({ ...fresh(), auth_time: undefined })],
    ['with auth_time 601 s old', () => ({ ...fresh(), auth_time: now() - 601 })],
    ['with only the acr and auth_time', () => ({ ...fresh(), scope: 'invoices:read invoices:admin' })],
  ])('%s: 403 insufficient_scope naming the baseline and payments:refund, never 401', async (_, claims) => {
    const s = served();
    const reply = await post(s, call('refund_invoice', { id: 'inv_1003' }), await s.token(claims()));
    expect(reply.status).toBe(403);
    expect(reply.challenge).toMatch(insufficientScope(s, needed));
    expect(reply.challenge).not.toMatch(/acr_values|max_age|insufficient_user_authentication/);
    expect(reply.json).toMatchObject({ error: 'insufficient_scope' });
    expect(Object.keys(reply.json as object).sort()).toEqual(['error', 'error_description']);
    // Nothing of the MCP server ran: the invoice is still open.
    const still = await post(s, call('get_invoice', { id: 'inv_1003' }), await s.token());
    expect(resultOf(still).structuredContent).toMatchObject({ id: 'inv_1003', status: 'open' });
  });

  it('auth_time 120 s in the future makes the token invalid: 401 invalid_token', async () => {
    const s = served();
    const reply = await post(
      s,
      call('refund_invoice', { id: 'inv_1003' }),
      await s.token({ ...fresh(), auth_time: now() + 120 }),
    );
    expect(reply.status).toBe(401);
    expect(reply.challenge).toMatch(/^Bearer realm="invoices", error="invalid_token", scope="invoices:read", /);
  });

  it('allowed with a fresh strong authentication, no authorization_details, auth_time 590 s old', async () => {
    const s = served();
    const reply = await post(
      s,
      call('refund_invoice', { id: 'inv_1004' }),
      await s.token({ ...fresh(), auth_time: now() - 590 }),
    );
    expect(reply.status).toBe(200);
    expect(resultOf(reply).structuredContent).toMatchObject({
      id: 'inv_1004',
      status: 'refunded',
      refunded_by: 'user-1',
    });
  });

  it('no iat limit: iat 3000 s old with a fresh auth_time is allowed', async () => {
    const s = served();
    const token = await s.token({ ...fresh(), iat: now() - 3000, exp: now() + 300 });
    const reply = await post(s, call('refund_invoice', { id: 'inv_1006' }), token);
    expect(reply.status).toBe(200);
    expect(resultOf(reply).structuredContent).toMatchObject({ id: 'inv_1006', status: 'refunded' });
  });

  it('a refused refund leaves the invoice open, and a qualifying token then refunds it', async () => {
    const s = served();
    const short = await post(
      s,
      call('refund_invoice', { id: 'inv_1007' }),
      await s.token({ ...fresh(), acr: undefined }),
    );
    expect(short.status).toBe(403);
    const ok = await post(s, call('refund_invoice', { id: 'inv_1007' }), await s.token(fresh()));
    expect(resultOf(ok).structuredContent).toMatchObject({ id: 'inv_1007', status: 'refunded' });
  });
});

describe('an unknown tool', () => {
  it("after the baseline: the v2 SDK's JSON-RPC error -32602", async () => {
    const s = served();
    const reply = await post(s, call('drop_tables'), await s.token());
    expect(reply.challenge).toBeNull();
    expect((reply.json as { error?: { code: number } }).error?.code).toBe(-32602);
  });

  it('without the baseline: 401 / 403 first', async () => {
    const s = served();
    const none = await post(s, call('drop_tables'));
    expect(none.status).toBe(401);
    expect(none.challenge).toBe(baselineChallenge(s));
    const short = await post(s, call('drop_tables'), await s.token({ scope: 'payments:refund' }));
    expect(short.status).toBe(403);
    expect(short.challenge).toMatch(insufficientScope(s, 'invoices:read'));
    // A hostile name reaches no challenge.
    const hostile = await post(s, call('x", scope="evil'), await s.token({ scope: 'payments:refund' }));
    expect(hostile.challenge).toBe(short.challenge);
  });
});
