/**
 * The step-up story with the real MCP SDK clients, v2 `@modelcontextprotocol/client` and v1
 * `@modelcontextprotocol/sdk`, against the MCP example and its embedded demo authorization
 * server: Alice signs in through the server's pages, the refund's 403 makes the client ask for
 * `payments:refund`, which costs her second factor, and the host retries once.
 */
import { AuthorizationDeniedError } from '@actiongate-examples/mcp-invoices/alice';
import { OAuthError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { connectHost, invoiceStatus, MFA, posts, REFUND_CHALLENGE, startServer } from './support.js';

describe.each(['v2', 'v1'] as const)('the %s client', (generation) => {
  it('connects with the baseline: discovers, registers, Alice signs in and consents to invoices:read only', async () => {
    const server = await startServer();
    const host = await connectHost(server, { generation });
    const { ledger } = host;

    expect(ledger.authorizations).toHaveLength(1);
    expect(ledger.authorizations[0]?.scopes).toEqual(['invoices:read']);
    expect(ledger.authorizations[0]?.forms).toEqual(['login', 'consent']);
    expect(ledger.mcpRequests[0]).toMatchObject({ method: 'initialize', status: 401 });
    expect(ledger.tokenRequests).toEqual([expect.objectContaining({ grantType: 'authorization_code', status: 200 })]);
    const token = host.token();
    expect(token).toMatchObject({ scope: 'invoices:read', aud: server.audience, hasRefreshToken: false });
    expect(token?.acr).not.toBe(MFA);

    expect(await host.listTools()).toEqual(expect.arrayContaining(['list_invoices', 'get_invoice', 'refund_invoice']));
    const list = await host.callTool('list_invoices');
    expect(list.isError).toBe(false);
    expect(JSON.parse(list.text).invoices.length).toBeGreaterThan(1);
    expect(ledger.authorizations).toHaveLength(1);
  });

  it('steps up for a refund: 403, one authorization with the second factor, one retry, refunded', async () => {
    const server = await startServer();
    const host = await connectHost(server, { generation });
    const { ledger } = host;
    const before = ledger.mark();
    const startedAt = Math.floor(Date.now() / 1000);

    const refund = await host.callTool('refund_invoice', { id: 'inv_1001' });

    expect(refund.isError).toBe(false);
    expect(JSON.parse(refund.text)).toMatchObject({ id: 'inv_1001', status: 'refunded' });
    const after = ledger.since(before);
    expect(after.authorizations).toHaveLength(1);
    expect(after.authorizations[0]?.scopes).toEqual(['invoices:read', 'payments:refund']);
    expect(after.authorizations[0]?.forms).toEqual(['login', 'second-factor', 'consent']);
    expect(posts(after).map((r) => [r.tool, r.status])).toEqual([
      ['refund_invoice', 403],
      ['refund_invoice', 200],
    ]);
    expect(posts(after)[0]?.challenge).toMatch(REFUND_CHALLENGE);
    expect(after.tokenRequests.map((r) => r.grantType)).toEqual(['authorization_code']);
    const token = host.token();
    expect(token?.scope.split(' ').sort()).toEqual(['invoices:read', 'payments:refund']);
    expect(token?.acr).toBe(MFA);
    expect(token?.authTime).toBeGreaterThanOrEqual(startedAt - 1);
  });

  it('refuses a second refund with the same token and cures it with a new step-up (second factor again)', async () => {
    const server = await startServer();
    const host = await connectHost(server, { generation });
    const { ledger } = host;
    await host.callTool('refund_invoice', { id: 'inv_1001' });
    const firstElevated = host.token();
    const before = ledger.mark();

    const second = await host.callTool('refund_invoice', { id: 'inv_1002' });

    expect(JSON.parse(second.text)).toMatchObject({ id: 'inv_1002', status: 'refunded' });
    const after = ledger.since(before);
    expect(posts(after).map((r) => [r.tool, r.status])).toEqual([
      ['refund_invoice', 403],
      ['refund_invoice', 200],
    ]);
    expect(posts(after)[0]?.challenge).toMatch(REFUND_CHALLENGE);
    expect(after.authorizations).toHaveLength(1);
    expect(after.authorizations[0]?.forms).toEqual(['login', 'second-factor', 'consent']);
    const token = host.token();
    expect(token?.acr).toBe(MFA);
    expect(token?.authTime).toBeGreaterThanOrEqual(firstElevated?.authTime ?? Number.POSITIVE_INFINITY);
  });

  it('keeps listing and reading with a token whose refund grant is spent', async () => {
    const server = await startServer();
    const host = await connectHost(server, { generation });
    await host.callTool('refund_invoice', { id: 'inv_1003' });
    const before = host.ledger.mark();

    const list = await host.callTool('list_invoices');
    expect(list.isError).toBe(false);
    expect(await invoiceStatus(host, 'inv_1003')).toBe('refunded');
    expect(await host.listTools()).toContain('refund_invoice');

    const after = host.ledger.since(before);
    expect(after.authorizations).toHaveLength(0);
    expect(after.mcpRequests.every((r) => r.status === 200)).toBe(true);
  });

  it('ends cleanly when Alice denies the step-up: one authorization, no retry storm, the invoice stays open', async () => {
    const server = await startServer();
    const host = await connectHost(server, {
      generation,
      decide: ({ scopes }) => (scopes.includes('payments:refund') ? 'deny' : 'approve'),
    });
    const { ledger } = host;
    const before = ledger.mark();

    const refusal = await host.callTool('refund_invoice', { id: 'inv_1004' }).then(
      () => undefined,
      (error: unknown) => error,
    );

    if (generation === 'v2') {
      // The v2 transport reads the callback itself (iss checked first, RFC 9207) and throws OAuthError.
      expect(refusal).toBeInstanceOf(OAuthError);
      expect((refusal as OAuthError).code).toBe('access_denied');
    } else {
      expect(refusal).toBeInstanceOf(AuthorizationDeniedError);
      expect((refusal as AuthorizationDeniedError).error).toBe('access_denied');
    }
    const after = ledger.since(before);
    expect(after.authorizations).toHaveLength(1);
    expect(after.authorizations[0]?.redirect.searchParams.get('error')).toBe('access_denied');
    expect(posts(after).map((r) => [r.tool, r.status])).toEqual([['refund_invoice', 403]]);
    expect(after.tokenRequests).toHaveLength(0);
    expect(host.token()?.scope).toBe('invoices:read');
    expect(await invoiceStatus(host, 'inv_1004')).toBe('open');
  });

  it('bounds every call: at most one authorization and two requests per tool call across a whole session', async () => {
    const server = await startServer();
    const host = await connectHost(server, { generation });
    const { ledger } = host;
    const calls: Array<[string, Record<string, unknown>]> = [
      ['list_invoices', {}],
      ['refund_invoice', { id: 'inv_1005' }],
      ['get_invoice', { id: 'inv_1005' }],
      ['refund_invoice', { id: 'inv_1006' }],
      ['refund_invoice', { id: 'inv_1007' }],
      ['list_invoices', {}],
    ];
    for (const [name, args] of calls) {
      const before = ledger.mark();
      const result = await host.callTool(name, args);
      expect(result.isError).toBe(false);
      const after = ledger.since(before);
      const refund = name === 'refund_invoice';
      expect(after.authorizations).toHaveLength(refund ? 1 : 0);
      expect(posts(after)).toHaveLength(refund ? 2 : 1);
      expect(after.tokenRequests).toHaveLength(refund ? 1 : 0);
    }
    // 1 to connect + 1 per refund.
    expect(ledger.authorizations).toHaveLength(4);
  });
});
