/**
 * Refresh tokens and step-up with the real clients. The v1 client (`@modelcontextprotocol/sdk`)
 * answers a 403 insufficient_scope by refreshing when it holds a refresh token, which cannot widen
 * the scope (RFC 6749 §6), so it fails without ever showing Alice a page (typescript-sdk issue
 * 2255). The example's authorization server therefore issues refresh tokens only to clients that
 * ask for offline_access, which v1 never does. The v2 client asks for offline_access when the
 * server advertises it, and (SEP-2350) bypasses the refresh when the scope it needs is strictly
 * wider than the token's; when it is not (a second refund with a spent grant), v2 refreshes, so the
 * server also issues no refresh token with a step-up grant.
 */
import { describe, expect, it } from 'vitest';
import { connectHost, invoiceStatus, MFA, posts, REFUND_CHALLENGE, startServer } from './support.js';

/** What the MCP SDKs' own OAuth examples register with. */
const WITH_REFRESH = ['authorization_code', 'refresh_token'] as const;

describe('the v1 client with refresh tokens', () => {
  it('cannot step up when the server hands it a refresh token: it refreshes, gets the same scope, and gives up (issue 2255)', async () => {
    const server = await startServer('always');
    const host = await connectHost(server, { generation: 'v1', grantTypes: WITH_REFRESH });
    const { ledger } = host;
    expect(host.token()).toMatchObject({ scope: 'invoices:read', hasRefreshToken: true });
    const before = ledger.mark();

    const failure = await host.callTool('refund_invoice', { id: 'inv_1001' }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );

    expect(failure?.message).toMatch(/Server returned 403 after trying upscoping/);
    const after = ledger.since(before);
    expect(after.authorizations).toHaveLength(0);
    expect(after.tokenRequests.map((r) => [r.grantType, r.status])).toEqual([['refresh_token', 200]]);
    expect(posts(after).map((r) => [r.tool, r.status])).toEqual([
      ['refund_invoice', 403],
      ['refund_invoice', 403],
    ]);
    expect(posts(after)[1]?.challenge).toBe(posts(after)[0]?.challenge);
    expect(posts(after)[0]?.challenge).toMatch(REFUND_CHALLENGE);
    // The refresh kept the scope; nothing reached Alice, and the invoice is untouched.
    expect(host.token()?.scope).toBe('invoices:read');
    expect(await invoiceStatus(host, 'inv_1001')).toBe('open');
  });

  it("completes the step-up with the example's default configuration (refresh tokens only for offline_access)", async () => {
    const server = await startServer();
    const host = await connectHost(server, { generation: 'v1', grantTypes: WITH_REFRESH });
    const { ledger } = host;
    expect(ledger.authorizations[0]?.scopes).not.toContain('offline_access');
    expect(host.token()?.hasRefreshToken).toBe(false);
    const before = ledger.mark();

    const refund = await host.callTool('refund_invoice', { id: 'inv_1001' });

    expect(JSON.parse(refund.text)).toMatchObject({ status: 'refunded' });
    const after = ledger.since(before);
    expect(after.authorizations).toHaveLength(1);
    expect(after.authorizations[0]?.forms).toEqual(['login', 'second-factor', 'consent']);
    expect(after.tokenRequests.map((r) => r.grantType)).toEqual(['authorization_code']);
    expect(host.token()?.acr).toBe(MFA);
  });
});

describe('the v2 client with refresh tokens', () => {
  it('asks for offline_access, and re-authorizes for the refund instead of refreshing (SEP-2350)', async () => {
    const server = await startServer();
    const host = await connectHost(server, { generation: 'v2', grantTypes: WITH_REFRESH });
    const { ledger } = host;
    expect(ledger.authorizations[0]?.scopes).toEqual(['invoices:read', 'offline_access']);
    expect(ledger.authorizations[0]?.prompt).toBe('consent');
    expect(host.token()?.hasRefreshToken).toBe(true);
    const before = ledger.mark();

    const refund = await host.callTool('refund_invoice', { id: 'inv_1001' });

    expect(JSON.parse(refund.text)).toMatchObject({ status: 'refunded' });
    const after = ledger.since(before);
    expect(after.authorizations).toHaveLength(1);
    expect(after.authorizations[0]?.scopes).toEqual(['invoices:read', 'payments:refund', 'offline_access']);
    expect(after.authorizations[0]?.forms).toEqual(['login', 'second-factor', 'consent']);
    expect(after.tokenRequests.map((r) => r.grantType)).toEqual(['authorization_code']);
    expect(host.token()?.acr).toBe(MFA);
    // The step-up grant comes without a refresh token (the example's configuration).
    expect(host.token()?.hasRefreshToken).toBe(false);
  });

  it('re-authorizes at once for a second refund: the step-up grant left it no refresh token to try', async () => {
    const server = await startServer();
    const host = await connectHost(server, { generation: 'v2', grantTypes: WITH_REFRESH });
    const { ledger } = host;
    await host.callTool('refund_invoice', { id: 'inv_1001' });
    const before = ledger.mark();

    const refund = await host.callTool('refund_invoice', { id: 'inv_1002' });

    expect(JSON.parse(refund.text)).toMatchObject({ status: 'refunded' });
    const after = ledger.since(before);
    expect(after.authorizations).toHaveLength(1);
    expect(after.authorizations[0]?.forms).toEqual(['login', 'second-factor', 'consent']);
    expect(after.tokenRequests.map((r) => r.grantType)).toEqual(['authorization_code']);
    expect(posts(after).map((r) => [r.tool, r.status])).toEqual([
      ['refund_invoice', 403],
      ['refund_invoice', 200],
    ]);
  });

  it('with a refresh token beside the step-up grant (refreshTokens: always), refreshes on the second refund, fails once, then re-authorizes on the next call', async () => {
    const server = await startServer('always');
    const host = await connectHost(server, { generation: 'v2', grantTypes: WITH_REFRESH });
    const { ledger } = host;
    await host.callTool('refund_invoice', { id: 'inv_1001' });
    const before = ledger.mark();

    // The token it holds names payments:refund, so the challenge's scope is no wider: the client
    // refreshes, the authorization server does not carry payments:refund forward, the retry
    // meets the same 403, and the transport's step-up limit (1) ends the call.
    const failure = await host.callTool('refund_invoice', { id: 'inv_1002' }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/403 insufficient_scope after step-up re-authorization \(retry limit 1 reached\)/);
    const failed = ledger.since(before);
    expect(failed.authorizations).toHaveLength(0);
    expect(failed.tokenRequests.map((r) => [r.grantType, r.status])).toEqual([['refresh_token', 200]]);
    expect(posts(failed).map((r) => [r.tool, r.status])).toEqual([
      ['refund_invoice', 403],
      ['refund_invoice', 403],
    ]);
    expect(host.token()?.scope.split(' ')).not.toContain('payments:refund');
    expect(await invoiceStatus(host, 'inv_1002')).toBe('open');

    // Now the token lacks payments:refund, so the next call's challenge is strictly wider: Alice
    // is asked again (second factor), and the refund goes through.
    const retried = ledger.mark();
    const refund = await host.callTool('refund_invoice', { id: 'inv_1002' });
    expect(JSON.parse(refund.text)).toMatchObject({ status: 'refunded' });
    const after = ledger.since(retried);
    expect(after.authorizations).toHaveLength(1);
    expect(after.authorizations[0]?.forms).toEqual(['login', 'second-factor', 'consent']);
    expect(posts(after).map((r) => [r.tool, r.status])).toEqual([
      ['refund_invoice', 403],
      ['refund_invoice', 200],
    ]);
  });
});
