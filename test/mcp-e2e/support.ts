/**
 * The MCP example in this process with its embedded demo authorization server (ISSUER unset),
 * on 127.0.0.1 port 0, and helpers to read what Alice's host recorded.
 */
import { type RunningMcpInvoices, readMcpConfig, runMcpInvoices } from '@actiongate-examples/mcp-invoices';
import { McpHost, type McpHostOptions, type McpRequestRecord } from '@actiongate-examples/mcp-invoices/alice';
import { afterEach, expect } from 'vitest';

const running = new Set<RunningMcpInvoices>();
const hosts = new Set<McpHost>();

afterEach(async () => {
  for (const host of hosts) await host.close().catch(() => undefined);
  hosts.clear();
  for (const server of running) await server.close();
  running.clear();
});

export async function startServer(refreshTokens: 'offline_access' | 'always' = 'offline_access') {
  const server = await runMcpInvoices(readMcpConfig({ PORT: '0', HOST: '127.0.0.1' }), { refreshTokens });
  running.add(server);
  return server;
}

export async function connectHost(
  server: RunningMcpInvoices,
  options: Omit<McpHostOptions, 'endpoint'>,
): Promise<McpHost> {
  const host = await McpHost.connect({ endpoint: server.endpoint, ...options });
  hosts.add(host);
  return host;
}

export const REFUND_CHALLENGE =
  /^Bearer realm="invoices", error="insufficient_scope", scope="invoices:read payments:refund", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/;

export const MFA = 'urn:actiongate:mfa';

/** The status of one invoice, read through the host's own token. */
export async function invoiceStatus(host: McpHost, id: string): Promise<string> {
  const result = await host.callTool('get_invoice', { id });
  expect(result.isError).toBe(false);
  return (JSON.parse(result.text) as { status: string }).status;
}

/**
 * The POSTs among recorded MCP requests: the client's standalone SSE `GET` (answered 405 by the
 * stateless server) is opened in the background after `initialized` and may land anywhere.
 */
export function posts(records: { readonly mcpRequests: readonly McpRequestRecord[] }): McpRequestRecord[] {
  return records.mcpRequests.filter((r) => r.httpMethod === 'POST');
}
